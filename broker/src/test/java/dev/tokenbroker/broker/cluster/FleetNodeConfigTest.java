package dev.tokenbroker.broker.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MultiMapConfig;
import dev.tokenbroker.broker.config.ClusterOptions;
import dev.tokenbroker.common.config.ConfigReader;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Hazelcast configuration built from {@code cluster} never reaches past its interface. */
class FleetNodeConfigTest {

  private static final FleetCipher CIPHER =
      FleetCipher.fromSecret(
          "test-only cluster secret, 32+ bytes long".getBytes(StandardCharsets.UTF_8));

  private static ClusterOptions options(JsonObject extra) {
    return new ClusterOptions(
        new ConfigReader(
            "cluster",
            new JsonObject()
                .put("enabled", true)
                .put("host", "127.0.0.1")
                .put("port", 15701)
                .put("secretFile", "/dev/null")
                .mergeIn(extra)));
  }

  private static void assertNothingLeavesTheInterface(Config c) {
    JoinConfig join = c.getNetworkConfig().getJoin();
    assertFalse(join.getMulticastConfig().isEnabled(), "multicast off");
    assertFalse(join.getAutoDetectionConfig().isEnabled(), "auto-detection off");
    assertFalse(join.getAwsConfig().isEnabled());
    assertEquals("false", c.getProperty("hazelcast.phone.home.enabled"), "no phone-home");
    assertEquals("false", c.getProperty("hazelcast.socket.bind.any"), "bound to cluster.host only");
    assertEquals("jdk", c.getProperty("hazelcast.logging.type"));
    assertTrue(c.getNetworkConfig().getInterfaces().isEnabled());
    assertEquals(
        List.of("127.0.0.1"), List.copyOf(c.getNetworkConfig().getInterfaces().getInterfaces()));
    assertEquals(15701, c.getNetworkConfig().getPort());
    assertFalse(c.getNetworkConfig().isPortAutoIncrement());
    assertEquals(CIPHER.clusterName(), c.getClusterName());
    assertEquals(
        MultiMapConfig.ValueCollectionType.SET,
        c.getMultiMapConfig("__vertx.subs").getValueCollectionType(),
        "the maps Vert.x's default-cluster.xml declares");
    assertEquals(1, c.getMapConfig("__vertx.haInfo").getBackupCount());
  }

  @Test
  void aMemberListIsTcpIpJoinWithExactlyThoseMembers() {
    Config c =
        FleetNode.hazelcastConfig(
            options(
                new JsonObject()
                    .put("members", new JsonArray().add("127.0.0.1:15701").add("127.0.0.1:15702"))),
            CIPHER);
    assertNothingLeavesTheInterface(c);
    JoinConfig join = c.getNetworkConfig().getJoin();
    assertTrue(join.getTcpIpConfig().isEnabled());
    assertEquals(List.of("127.0.0.1:15701", "127.0.0.1:15702"), join.getTcpIpConfig().getMembers());
    assertFalse(join.getKubernetesConfig().isEnabled());
  }

  @Test
  void kubernetesIsDnsDiscoveryOfTheHeadlessService() {
    Config c =
        FleetNode.hazelcastConfig(
            options(
                new JsonObject()
                    .put(
                        "kubernetes",
                        new JsonObject().put("serviceDns", "fleet.ns.svc.cluster.local"))),
            CIPHER);
    assertNothingLeavesTheInterface(c);
    JoinConfig join = c.getNetworkConfig().getJoin();
    assertFalse(join.getTcpIpConfig().isEnabled());
    assertTrue(join.getKubernetesConfig().isEnabled());
    assertEquals(
        "fleet.ns.svc.cluster.local", join.getKubernetesConfig().getProperty("service-dns"));
  }

  @Test
  void theEventBusBindsToTheHostAndUsesMutualTlsWhenConfigured() {
    ClusterOptions plain =
        options(new JsonObject().put("members", new JsonArray().add("127.0.0.1")));
    EventBusOptions eb = FleetNode.eventBusOptions(plain);
    assertEquals("127.0.0.1", eb.getHost());
    assertFalse(eb.isSsl());
    assertTrue(FleetNode.remoteConsumersAllowed(plain), "loopback: replies cannot leave the host");
    ClusterOptions tls =
        options(
            new JsonObject()
                .put("host", "10.1.2.3")
                .put("members", new JsonArray().add("10.1.2.4"))
                .put(
                    "tls",
                    new JsonObject()
                        .put("certFile", "/c.pem")
                        .put("keyFile", "/k.pem")
                        .put("trustFile", "/ca.pem")));
    EventBusOptions s = FleetNode.eventBusOptions(tls);
    assertTrue(s.isSsl());
    assertEquals(ClientAuth.REQUIRED, s.getClientAuth());
    assertTrue(FleetNode.remoteConsumersAllowed(tls));
    ClusterOptions open =
        options(
            new JsonObject()
                .put("host", "10.1.2.3")
                .put("members", new JsonArray().add("10.1.2.4")));
    assertFalse(
        FleetNode.remoteConsumersAllowed(open), "plain text off the host: local consumers only");
  }
}
