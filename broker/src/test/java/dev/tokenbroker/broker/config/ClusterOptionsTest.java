package dev.tokenbroker.broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.common.config.ConfigException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterOptionsTest {

  private static ClusterOptions cluster(JsonObject cluster) {
    JsonObject json =
        new JsonObject()
            .put(
                "idp",
                new JsonObject()
                    .put("tokenEndpoint", "http://127.0.0.1:1/token")
                    .put("clientId", "id")
                    .put("clientSecret", "test-only"))
            .put("tokens", new JsonArray().add(new JsonObject().put("audience", "https://api")));
    if (cluster != null) {
      json.put("cluster", cluster);
    }
    return new BrokerOptions(json).cluster();
  }

  private static JsonObject enabled() {
    return new JsonObject()
        .put("enabled", true)
        .put("members", new JsonArray().add("127.0.0.1:5701").add("127.0.0.1:5702"))
        .put("secretFile", "/var/run/token-broker/cluster/secret");
  }

  private static void refused(JsonObject cluster, String field, String message) {
    ConfigException e = assertThrows(ConfigException.class, () -> cluster(cluster));
    assertTrue(e.getMessage().startsWith(field + ":"), e.getMessage());
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  @Test
  void offByDefaultWithTheDocumentedDefaults() {
    ClusterOptions o = cluster(null);
    assertFalse(o.enabled());
    assertEquals("127.0.0.1", o.host());
    assertEquals(5701, o.port());
    assertEquals(0, o.eventBusPort());
    assertEquals(List.of(), o.members());
    assertNull(o.serviceDns());
    assertNull(o.secretFile());
    assertFalse(o.tls());
  }

  @Test
  void aMemberListOrKubernetesDiscovery() {
    ClusterOptions o = cluster(enabled().put("host", "10.0.0.7").put("eventBusPort", 5702));
    assertTrue(o.enabled());
    assertEquals(List.of("127.0.0.1:5701", "127.0.0.1:5702"), o.members());
    assertEquals("10.0.0.7", o.host());
    assertEquals(5702, o.eventBusPort());
    ClusterOptions k =
        cluster(
            enabled()
                .put("members", null)
                .put(
                    "kubernetes",
                    new JsonObject().put("serviceDns", "token-broker-fleet.ns.svc.cluster.local")));
    assertEquals("token-broker-fleet.ns.svc.cluster.local", k.serviceDns());
    assertEquals(List.of(), k.members());
    assertEquals(
        "token-broker-fleet.ns.svc.cluster.local",
        k.toJson().getJsonObject("kubernetes").getString("serviceDns"));
  }

  @Test
  void tlsNeedsAllThreeFiles() {
    ClusterOptions o =
        cluster(
            enabled()
                .put(
                    "tls",
                    new JsonObject()
                        .put("certFile", "/c.pem")
                        .put("keyFile", "/k.pem")
                        .put("trustFile", "/ca.pem")));
    assertTrue(o.tls());
    refused(
        enabled().put("tls", new JsonObject().put("certFile", "/c.pem").put("keyFile", "/k.pem")),
        "cluster.tls.trustFile",
        "required");
  }

  @Test
  void badValuesAreRefusedNamingTheField() {
    refused(enabled().put("secretFile", null), "cluster.secretFile", "required");
    refused(enabled().put("members", null), "cluster.members", "required");
    refused(
        enabled().put("kubernetes", new JsonObject().put("serviceDns", "x.svc")),
        "cluster.kubernetes",
        "not both");
    refused(enabled().put("host", "broker.local"), "cluster.host", "IP address");
    refused(enabled().put("port", 0), "cluster.port", "between");
    refused(enabled().put("eventBusPort", 5701), "cluster.eventBusPort", "differ");
    refused(enabled().put("members", new JsonArray().add("a b/c")), "cluster.members[0]", "host");
    refused(enabled().put("multicast", true), "cluster.multicast", "unknown key");
    refused(
        enabled().put("kubernetes", new JsonObject().put("namespace", "x")),
        "cluster.kubernetes.namespace",
        "unknown key");
    refused(
        enabled().put("tls", new JsonObject().put("certFile", "/c").put("password", "x")),
        "cluster.tls.password",
        "unknown key");
  }

  @Test
  void disabledNeedsNothingElse() {
    assertFalse(cluster(new JsonObject().put("enabled", false)).enabled());
  }
}
