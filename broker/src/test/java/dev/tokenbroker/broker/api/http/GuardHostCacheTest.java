package dev.tokenbroker.broker.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.testing.Events;
import dev.tokenbroker.broker.testing.RunningBroker;
import dev.tokenbroker.broker.testing.TestIdp;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The guard keeps its verdict on the last {@code Host} value: requests on one keep-alive connection
 * that change {@code Host} are each judged by their own value, in either order.
 */
@ExtendWith(VertxExtension.class)
class GuardHostCacheTest {

  private static final String URI =
      "/v1/token?audience=https%3A%2F%2Fstudents-api&scope=read%3Astudents";

  private static TestIdp idp;
  private static RunningBroker broker;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    idp = TestIdp.start(vertx);
    Events events = new Events();
    broker = RunningBroker.deploy(vertx, idp.brokerConfig(), Clock.systemUTC(), true, events);
    events.nextRefresh();
  }

  @AfterAll
  static void stop() throws Exception {
    broker.undeploy();
    idp.close();
  }

  @Test
  void aChangedHostOnTheSameConnectionIsCheckedAgain() throws Exception {
    List<Integer> statuses =
        onOneConnection(
            "127.0.0.1:" + broker.port(),
            "127.0.0.1:" + broker.port(),
            "evil.example",
            "127.0.0.1",
            "rebind.evil.example:" + broker.port(),
            "localhost",
            "127.0.0.1.evil.example");
    assertEquals(List.of(200, 200, 403, 200, 403, 200, 403), statuses);
  }

  @Test
  void aRefusedHostIsNotRememberedForTheNextOne() throws Exception {
    assertEquals(
        List.of(403, 403, 200, 403),
        onOneConnection("evil.example", "evil.example", "localhost", "evil.example"));
  }

  /** One request per Host value, in order, on one keep-alive connection; the statuses. */
  private static List<Integer> onOneConnection(String... hosts) throws IOException {
    List<Integer> statuses = new ArrayList<>();
    try (Socket s = new Socket("127.0.0.1", broker.port())) {
      s.setSoTimeout(10_000);
      InputStream in = s.getInputStream();
      for (String host : hosts) {
        String request =
            "GET " + URI + " HTTP/1.1\r\nHost: " + host + "\r\nToken-Broker-Request: true\r\n\r\n";
        s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        statuses.add(readAnswer(in));
      }
    }
    return statuses;
  }

  /** Reads one answer (head, then Content-Length bytes); its status. */
  private static int readAnswer(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int b = in.read();
      assertTrue(b >= 0, "the connection closed after " + head);
      head.write(b);
    }
    String text = head.toString(StandardCharsets.ISO_8859_1);
    String lower = text.toLowerCase(Locale.ROOT);
    int at = lower.indexOf("\r\ncontent-length:");
    int length = Integer.parseInt(text.substring(at + 17, text.indexOf("\r\n", at + 2)).trim());
    in.readNBytes(length);
    return Integer.parseInt(text.substring(9, 12));
  }
}
