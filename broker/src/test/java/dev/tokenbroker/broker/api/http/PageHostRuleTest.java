package dev.tokenbroker.broker.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tokenbroker.testing.RawHttp;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The dashboard's Host rule ({@link LocalRequestGuard#loopbackHost}) as the management listener
 * applies it: bound to loopback, a page must be asked for by a loopback name (DNS rebinding); bound
 * to the pod IP or {@code 0.0.0.0} ({@code anyHostForPages}), it is reached by that address or a
 * Service name, so any Host is accepted. Served on 127.0.0.1 only: the rule, not the binding, is
 * under test.
 */
@ExtendWith(VertxExtension.class)
class PageHostRuleTest {

  private HttpServer server;

  private int serve(Vertx vertx, LocalRequestGuard guard) throws Exception {
    server =
        vertx
            .createHttpServer()
            .requestHandler(
                req -> req.response().setStatusCode(guard.loopbackHost(req) ? 200 : 403).end())
            .listen(0, "127.0.0.1")
            .await();
    return server.actualPort();
  }

  @AfterEach
  void close() {
    if (server != null) {
      server.close().await();
    }
  }

  private static int page(int port, String host) throws Exception {
    return RawHttp.parse(
            RawHttp.exchange(
                port, "GET /dashboard HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n"))
        .status();
  }

  @Test
  void onALoopbackListenerOnlyLoopbackNamesGetPages(Vertx vertx) throws Exception {
    int port = serve(vertx, new LocalRequestGuard(true, false));
    assertEquals(200, page(port, "127.0.0.1:" + port));
    assertEquals(200, page(port, "localhost"));
    assertEquals(403, page(port, "10.1.2.3:4007"));
    assertEquals(403, page(port, "token-broker.svc.cluster.local"));
    assertEquals(403, page(port, "127.evil.example"));
  }

  @Test
  void onAPodIpListenerAnyHostGetsPages(Vertx vertx) throws Exception {
    int port = serve(vertx, new LocalRequestGuard(true, true));
    assertEquals(200, page(port, "10.1.2.3:4007"));
    assertEquals(200, page(port, "token-broker.svc.cluster.local"));
    assertEquals(200, page(port, "127.0.0.1"));
  }
}
