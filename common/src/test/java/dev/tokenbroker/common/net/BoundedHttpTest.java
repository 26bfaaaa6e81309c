package dev.tokenbroker.common.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class BoundedHttpTest {

  private HttpServer server;
  private HttpClient client;
  private BoundedHttp http;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    server =
        vertx
            .createHttpServer()
            .requestHandler(
                req -> {
                  switch (req.path()) {
                    case "/small" -> req.response().end("{\"ok\":true}");
                    case "/declared" ->
                        req.response().putHeader("Content-Length", "100000").write("x");
                    case "/chunked" -> {
                      req.response().setChunked(true);
                      for (int i = 0; i < 20; i++) {
                        req.response().write(Buffer.buffer(new byte[512]));
                      }
                      req.response().end();
                    }
                    case "/echo" -> req.body().onSuccess(b -> req.response().end(b));
                    default -> {} // never answers
                  }
                })
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    client = vertx.createHttpClient();
    http = new BoundedHttp(vertx.getOrCreateContext(), client, 500, 4096);
  }

  @AfterEach
  void stop() throws Exception {
    client.close().await(10, TimeUnit.SECONDS);
    server.close().await(10, TimeUnit.SECONDS);
  }

  private Future<BoundedHttp.Response> get(String path) {
    return http.send(
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setAbsoluteURI("http://127.0.0.1:" + server.actualPort() + path),
        null);
  }

  private static FetchException failure(Future<?> f) throws Exception {
    Throwable t =
        f.toCompletionStage().toCompletableFuture().handle((v, e) -> e).get(10, TimeUnit.SECONDS);
    return assertInstanceOf(
        FetchException.class, t instanceof CompletionException ? t.getCause() : t);
  }

  @Test
  void readsAWholeAnswer() throws Exception {
    BoundedHttp.Response r = get("/small").await(10, TimeUnit.SECONDS);
    assertEquals(200, r.status());
    assertEquals("{\"ok\":true}", r.body().toString());
    BoundedHttp.Response echo =
        http.send(
                new RequestOptions()
                    .setMethod(HttpMethod.POST)
                    .setAbsoluteURI("http://127.0.0.1:" + server.actualPort() + "/echo"),
                Buffer.buffer("a=b"))
            .await(10, TimeUnit.SECONDS);
    assertEquals("a=b", echo.body().toString());
  }

  @Test
  void aDeclaredOrStreamedBodyAboveTheCapFails() throws Exception {
    FetchException declared = failure(get("/declared"));
    assertEquals(FetchException.Kind.TOO_LARGE, declared.kind());
    assertEquals(200, declared.status());
    assertEquals(FetchException.Kind.TOO_LARGE, failure(get("/chunked")).kind());
  }

  @Test
  void aServerThatNeverAnswersHitsTheDeadline() throws Exception {
    long start = System.nanoTime();
    FetchException e = failure(get("/silent"));
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertEquals(FetchException.Kind.TIMEOUT, e.kind());
    assertEquals("no answer within 500 ms", e.getMessage());
    assertTrue(ms < 5_000, ms + " ms");
  }

  @Test
  void aRefusedConnectionIsAnIoFailure(Vertx vertx) throws Exception {
    int port = server.actualPort();
    server.close().await(10, TimeUnit.SECONDS);
    FetchException e = failure(get("/small"));
    assertEquals(FetchException.Kind.IO, e.kind(), e.getMessage());
    server =
        vertx
            .createHttpServer()
            .requestHandler(r -> r.response().end())
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    assertTrue(port > 0);
  }
}
