package dev.tokenbroker.broker.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.NetworkConfig;
import dev.tokenbroker.broker.cluster.impl.HazelcastFleet;
import dev.tokenbroker.broker.config.ClusterOptions;
import dev.tokenbroker.common.net.Loopback;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.time.Clock;
import java.util.logging.Logger;

/**
 * One process's membership of the fleet: the Hazelcast configuration built from {@code cluster}
 * options, the Vert.x cluster manager and the clustered event bus options. Created only when {@code
 * cluster.enabled}; without it no Hazelcast instance is created.
 *
 * <p>The Hazelcast configuration never sends a packet off {@code cluster.host}: TCP-IP join with
 * the member list (or Kubernetes DNS discovery), multicast and auto-detection off, phone-home off,
 * bound to {@code cluster.host} only, logging through JUL (our JSON log). The maps Vert.x needs are
 * those of the module's {@code default-cluster.xml}.
 */
public final class FleetNode {

  private static final Logger LOG = Logger.getLogger(FleetNode.class.getName());

  private final ClusterOptions options;
  private final FleetCipher cipher;
  private final HazelcastClusterManager manager;

  private FleetNode(ClusterOptions options, FleetCipher cipher) {
    this.options = options;
    this.cipher = cipher;
    this.manager = new HazelcastClusterManager(hazelcastConfig(options, cipher));
  }

  public static FleetNode create(ClusterOptions options, FleetCipher cipher) {
    return new FleetNode(options, cipher);
  }

  /** The Hazelcast member configuration for {@code options}. */
  public static Config hazelcastConfig(ClusterOptions options, FleetCipher cipher) {
    Config c = new Config();
    c.setClusterName(cipher.clusterName());
    c.setProperty("hazelcast.phone.home.enabled", "false");
    c.setProperty("hazelcast.logging.type", "jdk");
    c.setProperty("hazelcast.socket.bind.any", "false");
    c.setProperty("hazelcast.local.localAddress", options.host());
    // Vert.x leaves the cluster in vertx.close(), after the broker drained; Hazelcast's own hook
    // would leave first, on SIGTERM, while requests are still answered.
    c.setProperty("hazelcast.shutdownhook.enabled", "false");
    c.getJetConfig().setEnabled(false);
    NetworkConfig net = c.getNetworkConfig();
    net.setPort(options.port()).setPortAutoIncrement(false).setPortCount(1);
    net.getInterfaces().setEnabled(true).addInterface(options.host());
    JoinConfig join = net.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    if (options.serviceDns() != null) {
      join.getTcpIpConfig().setEnabled(false);
      join.getKubernetesConfig()
          .setEnabled(true)
          .setProperty("service-dns", options.serviceDns())
          .setProperty("service-port", Integer.toString(options.port()));
    } else {
      join.getTcpIpConfig().setEnabled(true).setMembers(options.members());
    }
    // What io.vertx.spi.cluster.hazelcast's default-cluster.xml declares.
    c.addMultiMapConfig(
        new MultiMapConfig("__vertx.subs")
            .setBackupCount(1)
            .setValueCollectionType(MultiMapConfig.ValueCollectionType.SET));
    c.addMapConfig(new MapConfig("__vertx.haInfo").setBackupCount(1));
    c.addMapConfig(new MapConfig("__vertx.nodeInfo").setBackupCount(1));
    return c;
  }

  /** The clustered event bus: on {@code cluster.host}, mutual TLS when {@code cluster.tls}. */
  public static EventBusOptions eventBusOptions(ClusterOptions options) {
    EventBusOptions eb =
        new EventBusOptions()
            .setHost(options.host())
            .setPort(options.eventBusPort())
            .setClusterPublicHost(options.host());
    if (options.tls()) {
      eb.setSsl(true)
          .setKeyCertOptions(
              new PemKeyCertOptions()
                  .setCertPath(options.certFile().toString())
                  .setKeyPath(options.keyFile().toString()))
          .setTrustOptions(new PemTrustOptions().addCertPath(options.trustFile().toString()))
          .setClientAuth(ClientAuth.REQUIRED);
    }
    return eb;
  }

  /**
   * Whether brokers answer {@code token-broker.token} requests from other JVMs of the cluster: the
   * reply holds the token, so only when it cannot leave the host (loopback) or travels in mutual
   * TLS.
   */
  public static boolean remoteConsumersAllowed(ClusterOptions options) {
    return options.tls() || Loopback.isLoopbackHost(options.host());
  }

  /** Builds the clustered Vert.x (joins the cluster); {@code builder} has the options set. */
  public Future<Vertx> join(VertxBuilder builder) {
    return builder
        .withClusterManager(manager)
        .buildClustered()
        .onSuccess(
            v -> {
              LOG.info(
                  "fleet: joined the cluster on "
                      + options.host()
                      + ":"
                      + options.port()
                      + " as node "
                      + manager.getNodeId()
                      + ", "
                      + members()
                      + " member(s)"
                      + (options.tls() ? ", event bus with mutual TLS" : ""));
              manager
                  .getHazelcastInstance()
                  .getCluster()
                  .addMembershipListener(
                      new MembershipListener() {
                        @Override
                        public void memberAdded(MembershipEvent e) {
                          LOG.info("fleet: member joined, " + e.getMembers().size() + " member(s)");
                        }

                        @Override
                        public void memberRemoved(MembershipEvent e) {
                          LOG.info("fleet: member left, " + e.getMembers().size() + " member(s)");
                        }
                      });
            });
  }

  /** Members of the cluster as this node sees them (0 before joining). */
  public int members() {
    try {
      return manager.isActive() ? manager.getNodes().size() : 0;
    } catch (RuntimeException e) {
      return 0;
    }
  }

  public String nodeId() {
    return manager.getNodeId();
  }

  public ClusterOptions options() {
    return options;
  }

  /**
   * This broker's fleet coordinator on the joined {@code vertx}.
   *
   * @param leaseMillis how long a lease holds: just over the longest IdP request deadline
   */
  public Fleet fleet(Vertx vertx, Clock clock, long leaseMillis, Fleet.Listener listener) {
    return new HazelcastFleet(
        vertx,
        this::members,
        nodeId(),
        cipher,
        clock,
        leaseMillis,
        listener,
        remoteConsumersAllowed(options));
  }
}
