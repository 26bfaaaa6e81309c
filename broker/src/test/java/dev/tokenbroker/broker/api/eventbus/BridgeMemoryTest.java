package dev.tokenbroker.broker.api.eventbus;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.testing.BrokerProcess;
import dev.tokenbroker.broker.testing.TestIdp;
import dev.tokenbroker.testing.RawHttp;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker in its own JVM with the README's sidecar flags, while large frames are thrown at the
 * bridge: rounds of connections that each announce 100 MB and stream 4 MB, and connections that
 * leave a frame just under the limit unfinished. Its resident memory must stay within 30 MB of
 * where it was, a token must keep coming back quickly, and nothing may log a stack trace.
 */
@ExtendWith(VertxExtension.class)
class BridgeMemoryTest {

  private static final String[] SIDECAR_FLAGS = {
    "-XX:+UseSerialGC",
    "-Xms16m",
    "-Xmx64m",
    "-XX:MaxMetaspaceSize=64m",
    "-Xss512k",
    "-XX:TieredStopAtLevel=1"
  };
  private static final int ROUNDS = 3;
  private static final int ATTACKERS = 8;
  private static final int STREAMED_BYTES = 4 * 1024 * 1024;
  private static final int UNFINISHED = 32;
  private static final long MAX_GROWTH_KB = 30 * 1024;
  private static final long MAX_TOKEN_MILLIS = 2_000;

  @Test
  void largeFramesLeaveMemoryBoundedAndTokensFast(Vertx vertx, @TempDir Path dir) throws Exception {
    boolean haveProc = Files.isReadable(Path.of("/proc/self/status"));
    if (!"true".equals(System.getenv("CI"))) {
      Assumptions.assumeTrue(haveProc, "needs /proc (Linux) to read the broker's VmRSS");
    }
    assertTrue(haveProc, "needs /proc (Linux) to read the broker's VmRSS");
    try (TestIdp idp = TestIdp.start(vertx)) {
      Path config = dir.resolve("broker.yaml");
      Files.writeString(
          config,
          String.join(
              "\n",
              "http: {host: 127.0.0.1, port: 0}",
              "idp:",
              "  tokenEndpoint: " + idp.tokenEndpoint(),
              "  clientId: " + TestIdp.CLIENT_ID,
              "  clientSecret: ${BROKER_CLIENT_SECRET}",
              "eventBus: {tcpBridge: {enabled: true, host: 127.0.0.1, port: 0}}",
              "tokens:",
              "  - {audience: " + TestIdp.AUDIENCE + ", scopes: [" + TestIdp.SCOPE + "]}",
              ""));
      try (BrokerProcess broker =
          BrokerProcess.start(
              config, Map.of("BROKER_CLIENT_SECRET", TestIdp.CLIENT_SECRET), SIDECAR_FLAGS)) {
        int httpPort = broker.port();
        int bridgePort = bridgePort(broker);
        long pid = brokerPid(config);

        try (RawBridge client = RawBridge.connect(bridgePort)) {
          warmUp(client);
          long before = rssKb(pid);
          AtomicLong peak = new AtomicLong(before);
          List<RawBridge> unfinished = new ArrayList<>();
          ExecutorService pool = Executors.newFixedThreadPool(ATTACKERS);
          long slowestToken = 0;
          int refused = 0;
          try {
            for (int i = 0; i < UNFINISHED; i++) {
              RawBridge c = RawBridge.connect(bridgePort);
              unfinished.add(c);
              c.writeLength(64 * 1024).write(new byte[64 * 1024 - 1]);
            }
            for (int round = 0; round < ROUNDS; round++) {
              List<Future<JsonObject>> answers = new ArrayList<>();
              for (int a = 0; a < ATTACKERS; a++) {
                answers.add(pool.submit(() -> attack(bridgePort)));
              }
              while (!answers.stream().allMatch(Future::isDone)) {
                peak.accumulateAndGet(rssKb(pid), Math::max);
                slowestToken = Math.max(slowestToken, tokenMillis(client));
              }
              for (Future<JsonObject> f : answers) {
                JsonObject err = f.get();
                assertEquals(
                    new JsonObject()
                        .put("type", "err")
                        .put(
                            "message",
                            "frame_too_large: the frame announces 104857600 bytes; the limit is"
                                + " 65536 bytes"),
                    err);
                refused++;
              }
              peak.accumulateAndGet(rssKb(pid), Math::max);
            }
            for (int i = 0; i < 20; i++) {
              peak.accumulateAndGet(rssKb(pid), Math::max);
              slowestToken = Math.max(slowestToken, tokenMillis(client));
            }
          } finally {
            pool.shutdownNow();
            for (RawBridge c : unfinished) {
              c.close();
            }
          }
          long growth = peak.get() - before;
          System.out.printf(
              "bridge memory: VmRSS before %d kB, peak %d kB, growth %d kB; slowest token %d ms;"
                  + " %d frames refused%n",
              before, peak.get(), growth, slowestToken, refused);
          assertTrue(
              growth < MAX_GROWTH_KB,
              "VmRSS grew by " + growth + " kB (from " + before + " kB), limit " + MAX_GROWTH_KB);
          assertTrue(
              slowestToken < MAX_TOKEN_MILLIS,
              "a token took " + slowestToken + " ms through the bridge under attack");
          assertEquals(ROUNDS * ATTACKERS, refused);
        }
        String metrics =
            RawHttp.exchange(
                httpPort, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        assertTrue(
            metrics.contains(
                "token_broker_rejected_requests_total{reason=\"bridge_frame_too_large\"} "
                    + (ROUNDS * ATTACKERS)
                    + ".0"),
            metrics);
        assertTrue(
            RawHttp.status(
                    httpPort,
                    "/v1/token?audience=" + TestIdp.AUDIENCE,
                    "Token-Broker-Request: true")
                == 200,
            "the HTTP API still serves");
        broker.stop();
        for (String line : broker.lines()) {
          assertFalse(
              line.contains("\"level\":\"SEVERE\"")
                  || line.contains("\"error\":")
                  || line.contains("Exception")
                  || line.contains("OutOfMemoryError"),
              "logged a stack trace or an error: " + line);
        }
        assertTrue(
            broker.lines().stream().filter(l -> l.contains("frame_too_large")).count() <= 1,
            "one line per kind and minute");
      }
    }
  }

  /** Announces 100 MB, streams 4 MB (until the bridge closes), returns the frame it was sent. */
  private static JsonObject attack(int port) throws IOException {
    try (RawBridge c = RawBridge.connect(port)) {
      c.writeLength(100 * 1024 * 1024);
      byte[] chunk = new byte[64 * 1024];
      Arrays.fill(chunk, (byte) 'x');
      try {
        for (int sent = 0; sent < STREAMED_BYTES; sent += chunk.length) {
          c.write(chunk);
        }
      } catch (IOException closedByTheBridge) {
        // expected: the bridge refuses from the length prefix and closes
      }
      JsonObject answer = c.read();
      assertTrue(c.closedByBridge());
      return answer;
    }
  }

  /** A token is served through the bridge; then 500 more, so the JIT has seen the hot path. */
  private static void warmUp(RawBridge client) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!"message".equals(client.token("w", TestIdp.AUDIENCE).getString("type"))) {
      assertTrue(System.nanoTime() < deadline, "no token through the bridge within 30 s");
      Thread.sleep(100); // the start-up prefetch is still in flight
    }
    for (int i = 0; i < 500; i++) {
      client.token("w" + i, TestIdp.AUDIENCE);
    }
  }

  /** The bound bridge port from the start-up log (logged just after the HTTP port). */
  private static int bridgePort(BrokerProcess broker) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      for (String line : broker.lines()) {
        if (RawBridge.port(line) > 0) {
          return RawBridge.port(line);
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no bridge port in " + broker.lines());
  }

  private static long tokenMillis(RawBridge client) throws IOException {
    long start = System.nanoTime();
    JsonObject reply = client.token("t", TestIdp.AUDIENCE);
    assertEquals("message", reply.getString("type"), reply.encode());
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  /** The child process whose command line names {@code config} (read from /proc). */
  private static long brokerPid(Path config) {
    return ProcessHandle.current()
        .children()
        .filter(p -> cmdline(p.pid()).contains(config.toString()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("the broker process is not a child of the test"))
        .pid();
  }

  private static String cmdline(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static long rssKb(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new AssertionError("no VmRSS for " + pid);
  }
}
