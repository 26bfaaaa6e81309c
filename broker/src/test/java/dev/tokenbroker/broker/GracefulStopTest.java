package dev.tokenbroker.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.testing.BrokerProcess;
import dev.tokenbroker.broker.testing.FaultProxy;
import dev.tokenbroker.broker.testing.TestIdp;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to a broker process with many requests in flight. What "loses no request" means here:
 *
 * <ol>
 *   <li>every request the broker was processing when SIGTERM arrived (confirmed by its own
 *       active-request gauge) is answered 200;
 *   <li>a request that is not answered 200 failed with a connection error only (refused, or closed
 *       before the first response byte), never an HTTP error or a cut-off answer, and it was
 *       started after SIGTERM was sent, so after readiness turned 503 (the broker's first step on
 *       SIGTERM, before any listener closes);
 *   <li>{@code /health/ready} answers 503 while the requests of (1) are still pending;
 *   <li>the process exits within {@code shutdown.timeoutSeconds} (plus JVM start-of-exit slack).
 * </ol>
 */
@ExtendWith(VertxExtension.class)
class GracefulStopTest {

  private static final int CLIENTS = 32;
  private static final long IDP_DELAY_MILLIS = 3_000;
  private static final int TIMEOUT_SECONDS = 6;
  private static final Pattern MANAGEMENT =
      Pattern.compile("management listening on http://127\\.0\\.0\\.2:(\\d+)");

  /** Not prefetched: its first requests all wait for one slow fetch. */
  private static final String SLOW_KEY =
      "/v1/token?audience=https://students-api&scope=read:students";

  /** One request's fate, times from System.nanoTime(). */
  private record Outcome(boolean first, long startedNanos, int status, String failure) {}

  @Test
  void sigtermUnderLoadAnswersEveryRequestInFlightAndExitsWithinTheBound(
      Vertx vertx, @TempDir Path dir) throws Exception {
    try (TestIdp idp = TestIdp.start(vertx)) {
      Path config = dir.resolve("broker.yaml");
      Files.writeString(
          config,
          String.join(
              "\n",
              "http: {host: 127.0.0.1, port: 0, unixSocket: " + dir.resolve("api.sock") + "}",
              "management: {host: 127.0.0.2, port: 0}",
              "shutdown: {timeoutSeconds: " + TIMEOUT_SECONDS + "}",
              "idp:",
              "  tokenEndpoint: " + idp.tokenEndpoint(),
              "  clientId: " + TestIdp.CLIENT_ID,
              "  clientSecret: test-secret",
              "  requestTimeoutMillis: 10000",
              "eventBus: {tcpBridge: {enabled: false}}",
              "tokens:",
              "  - {audience: https://students-api, scopes: [read:students, write:students]}",
              "  - {audience: https://students-api, scopes: [read:students], prefetch: false}",
              ""));
      BrokerProcess broker = BrokerProcess.start(config, Map.of());
      int port = broker.port();
      int mgmt = managementPort(broker);
      long readyBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (status(mgmt, "/health/ready") != 200 && System.nanoTime() < readyBy) {
        Thread.onSpinWait();
      }
      assertEquals(200, status(mgmt, "/health/ready"));

      idp.proxy().slowMillis(IDP_DELAY_MILLIS).mode(FaultProxy.Mode.SLOW);
      List<Outcome> outcomes = new CopyOnWriteArrayList<>();
      AtomicInteger firstAnswered = new AtomicInteger();
      long[] sigtermAt = {Long.MAX_VALUE};
      List<Thread> clients = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        Thread t =
            new Thread(
                () -> {
                  boolean first = true;
                  long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                  while (System.nanoTime() < until) {
                    Outcome o = request(port, first);
                    outcomes.add(o);
                    if (first) {
                      firstAnswered.incrementAndGet();
                    }
                    first = false;
                    if (o.failure != null) {
                      return; // the listener is gone
                    }
                  }
                },
                "client-" + i);
        t.start();
        clients.add(t);
      }
      // All first requests are in the broker, waiting for the one slow fetch.
      long inFlightBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      int active = 0;
      while (System.nanoTime() < inFlightBy && (active = activeRequests(mgmt, port)) < CLIENTS) {
        Thread.onSpinWait();
      }
      assertTrue(active >= CLIENTS, "requests in flight in the broker: " + active);
      assertEquals(0, firstAnswered.get(), "still waiting for the IdP");

      sigtermAt[0] = System.nanoTime();
      CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(broker::stop);
      int ready;
      do {
        ready = status(mgmt, "/health/ready");
      } while (ready == 200 && System.nanoTime() - sigtermAt[0] < TimeUnit.SECONDS.toNanos(2));
      int answeredWhenNotReady = firstAnswered.get();
      assertEquals(503, ready, "readiness turns 503 at once");
      assertEquals(
          0, answeredWhenNotReady, "503 while the requests in flight are still being answered");

      int code = exit.get(TIMEOUT_SECONDS + 10, TimeUnit.SECONDS);
      long exitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sigtermAt[0]);
      for (Thread t : clients) {
        t.join(30_000);
      }
      String log = String.join("\n", broker.lines());

      List<Outcome> firsts = outcomes.stream().filter(Outcome::first).toList();
      assertEquals(CLIENTS, firsts.size());
      for (Outcome o : firsts) {
        assertEquals(200, o.status, "a request in flight at SIGTERM was lost: " + o);
      }
      int refused = 0;
      for (Outcome o : outcomes) {
        if (o.status == 200) {
          continue;
        }
        assertTrue(
            o.failure != null, "a non-200 answer is an HTTP error, not a refusal: " + o + log);
        assertTrue(o.startedNanos > sigtermAt[0], "a connection error before SIGTERM: " + o);
        refused++;
      }
      assertEquals(143, code, "exit status of a JVM ended by SIGTERM");
      assertTrue(
          exitedMillis < TIMEOUT_SECONDS * 1000L + 1_500,
          "exited " + exitedMillis + " ms after SIGTERM\n" + log);
      assertTrue(log.contains("listeners drained"), log);
      assertTrue(!Files.exists(dir.resolve("api.sock")), "the socket file is removed at exit");
      assertTrue(log.contains("\"stopped\"") || log.contains("stopped"), log);
      System.out.printf(
          "graceful stop: %d requests in flight answered, %d requests in all, %d refused after"
              + " SIGTERM, exit after %d ms%n",
          firsts.size(), outcomes.size(), refused, exitedMillis);
    }
  }

  /** One {@code GET} on a fresh connection; a failure is recorded, never thrown. */
  private static Outcome request(int port, boolean first) {
    long started = System.nanoTime();
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      s.setSoTimeout(20_000);
      s.getOutputStream()
          .write(
              ("GET "
                      + SLOW_KEY
                      + " HTTP/1.1\r\nHost: localhost\r\nToken-Broker-Request: true\r\n"
                      + "Connection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      byte[] answer = readAll(s.getInputStream());
      if (answer.length == 0) {
        return new Outcome(first, started, -1, "closed before any response byte");
      }
      String text = new String(answer, StandardCharsets.UTF_8);
      int status = Integer.parseInt(text.substring(9, 12));
      if (status == 200 && !text.contains("\"access_token\"")) {
        return new Outcome(first, started, -2, null); // cut off: counts as a loss
      }
      return new Outcome(first, started, status, null);
    } catch (ConnectException e) {
      return new Outcome(first, started, -1, "refused");
    } catch (SocketException e) {
      return new Outcome(first, started, -1, "reset before any response byte: " + e.getMessage());
    } catch (IOException e) {
      return new Outcome(first, started, -3, null);
    }
  }

  /** Reads to EOF; a reset after the first byte is a cut-off answer (an IOException). */
  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    int n;
    try {
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
      }
    } catch (SocketException e) {
      if (out.size() > 0) {
        throw new IOException("cut off", e);
      }
      throw e;
    }
    return out.toByteArray();
  }

  /** Requests in progress on the token listener, from the broker's own metrics. */
  private static int activeRequests(int mgmt, int port) throws IOException {
    String metrics = get(mgmt, "/metrics");
    double sum = 0;
    for (String line : metrics.split("\n")) {
      if (line.startsWith("token_broker_http_active_requests{listener=\"api\"}")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return (int) sum;
  }

  private static int status(int mgmt, String path) throws IOException {
    String answer = get(mgmt, path);
    return answer.isEmpty() ? -1 : Integer.parseInt(answer.substring(9, 12));
  }

  private static String get(int mgmt, String path) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.2", mgmt), 5_000);
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.2\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      return new String(readAll(s.getInputStream()), StandardCharsets.UTF_8);
    } catch (ConnectException e) {
      return "";
    }
  }

  private static int managementPort(BrokerProcess broker) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      for (String l : broker.lines()) {
        Matcher m = MANAGEMENT.matcher(l);
        if (m.find()) {
          return Integer.parseInt(m.group(1));
        }
      }
      Thread.onSpinWait();
    }
    throw new AssertionError("no management listener: " + broker.lines());
  }
}
