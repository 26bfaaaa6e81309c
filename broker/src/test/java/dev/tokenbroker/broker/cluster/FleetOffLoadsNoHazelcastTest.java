package dev.tokenbroker.broker.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.testing.TestIdp;
import dev.tokenbroker.testing.ChildProcess;
import dev.tokenbroker.testing.RawHttp;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without {@code cluster.enabled} the broker starts nothing of Hazelcast and runs none of its own
 * fleet code: the JVM's class-load log of a broker that served a token names no fleet class that
 * builds or runs a cluster, and no Hazelcast class beyond the handful that Vert.x's cluster-manager
 * service lookup loads.
 */
@ExtendWith(VertxExtension.class)
class FleetOffLoadsNoHazelcastTest {

  @Test
  void aBrokerWithoutAFleetStartsNoHazelcast(Vertx vertx, @TempDir Path dir) throws Exception {
    try (TestIdp idp = TestIdp.start(vertx)) {
      Path config = dir.resolve("broker.yaml");
      Files.writeString(
          config,
          String.join(
              "\n",
              "http: {host: 127.0.0.1, port: 0}",
              "idp: {tokenEndpoint: \""
                  + idp.tokenEndpoint()
                  + "\", clientId: \""
                  + TestIdp.CLIENT_ID
                  + "\", clientSecret: \"${SECRET}\"}",
              "eventBus: {tcpBridge: {enabled: false}}",
              "tokens:",
              "  - {audience: " + TestIdp.AUDIENCE + "}",
              "cluster: {enabled: false}",
              ""));
      Path classes = dir.resolve("classes.log");
      try (ChildProcess broker =
          ChildProcess.java(
                  "broker",
                  List.of(
                      "-Xlog:class+load=info:file=" + classes,
                      "-cp",
                      System.getProperty("java.class.path"),
                      "dev.tokenbroker.broker.Main",
                      "--config",
                      config.toString()))
              .env(Map.of("SECRET", TestIdp.CLIENT_SECRET))
              .log(dir.resolve("broker.log"))
              .start()) {
        int port =
            Integer.parseInt(
                broker
                    .awaitLine(
                        Pattern.compile("HTTP API listening on http://127\\.0\\.0\\.1:(\\d+)"),
                        Duration.ofSeconds(60))
                    .group(1));
        String answer = "";
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline && !answer.startsWith("HTTP/1.1 200")) {
          answer =
              RawHttp.exchange(
                  port,
                  "GET /v1/token?audience="
                      + TestIdp.AUDIENCE
                      + " HTTP/1.1\r\nHost: localhost\r\nToken-Broker-Request: true\r\n"
                      + "Connection: close\r\n\r\n");
        }
        assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
      }
      String loaded = Files.readString(classes);
      assertTrue(loaded.contains("dev.tokenbroker.broker.BrokerVerticle"), "the log is complete");
      assertTrue(loaded.contains("dev.tokenbroker.broker.token.FleetCoordinator"), "the seam");
      // Vert.x's builder looks the ClusterManager service up (ServiceLoader) even for a plain
      // Vert.x, which loads the idle HazelcastClusterManager class and the few types it names
      // (listener interfaces, HazelcastInstance, Config); no Hazelcast instance may be created.
      List<String> hazelcast =
          loaded
              .lines()
              .filter(l -> l.contains("com.hazelcast."))
              .map(l -> l.replaceAll(" source:.*", ""))
              .toList();
      assertTrue(hazelcast.size() <= 8, "Hazelcast classes loaded: " + hazelcast);
      for (String forbidden :
          List.of(
              "com.hazelcast.instance.",
              "com.hazelcast.core.Hazelcast ",
              "com.hazelcast.config.NetworkConfig ")) {
        assertFalse(loaded.contains(forbidden), forbidden + " was loaded: " + hazelcast);
      }
      assertFalse(
          Files.readString(dir.resolve("broker.log")).contains("com.hazelcast"),
          "Hazelcast logged something");
      // The Fleet interface may be loaded by the verifier (BrokerVerticle hands it to the cache);
      // nothing that builds or runs a cluster may.
      for (String forbidden :
          List.of(
              "dev.tokenbroker.broker.cluster.FleetNode ",
              "dev.tokenbroker.broker.cluster.FleetCipher ",
              "dev.tokenbroker.broker.cluster.impl.")) {
        assertFalse(loaded.contains(forbidden), forbidden + "was loaded");
      }
    }
  }
}
