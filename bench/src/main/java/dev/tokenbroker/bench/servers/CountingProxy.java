package dev.tokenbroker.bench.servers;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A pass-through HTTP proxy in front of the IdP that counts requests per path and per {@code
 * audience} form parameter (so {@code /short/token} and {@code /naive/token}, and each key, are
 * counted apart), optionally after a delay that stands for network distance. Runs in the harness
 * JVM; read the counters directly.
 */
public final class CountingProxy extends VerticleBase {

  private final int upstreamPort;
  private final long delayMillis;
  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
  private HttpClient upstream;
  private HttpServer server;

  public CountingProxy(int upstreamPort) {
    this(upstreamPort, 0);
  }

  /**
   * @param delayMillis added before each request is forwarded, to stand for an IdP that is a
   *     network round trip away
   */
  public CountingProxy(int upstreamPort, long delayMillis) {
    this.upstreamPort = upstreamPort;
    this.delayMillis = delayMillis;
  }

  @Override
  public Future<?> start() {
    upstream = vertx.httpClientBuilder().with(new PoolOptions().setHttp1MaxSize(2048)).build();
    return vertx
        .createHttpServer(
            new HttpServerOptions().setHost("127.0.0.1").setPort(0).setAcceptBacklog(4096))
        .requestHandler(this::forward)
        .listen()
        .onSuccess(s -> server = s);
  }

  @Override
  public Future<?> stop() {
    return Future.join(server.close(), upstream.close());
  }

  public int port() {
    return server.actualPort();
  }

  /** Requests seen for {@code path} (no query) and {@code audience} since start. */
  public long count(String path, String audience) {
    LongAdder a = counts.get(path + " " + audience);
    return a == null ? 0 : a.sum();
  }

  /** All requests seen since start. */
  public long totalCount() {
    return counts.values().stream().mapToLong(LongAdder::sum).sum();
  }

  private void forward(HttpServerRequest req) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(req.headers());
    headers.remove(HttpHeaders.HOST);
    headers.remove(HttpHeaders.CONNECTION);
    RequestOptions options =
        new RequestOptions()
            .setMethod(req.method())
            .setHost("127.0.0.1")
            .setPort(upstreamPort)
            .setURI(req.uri())
            .setHeaders(headers);
    req.body()
        .compose(
            body -> {
              String key = req.path() + " " + audience(body.toString(StandardCharsets.UTF_8));
              counts.computeIfAbsent(key, k -> new LongAdder()).increment();
              Future<Void> wait =
                  delayMillis > 0 ? vertx.timer(delayMillis).mapEmpty() : Future.succeededFuture();
              return wait.compose(v -> upstream.request(options)).compose(out -> out.send(body));
            })
        .compose(resp -> resp.body().map(b -> new Answer(resp, b)))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                req.response().setStatusCode(502).end();
                return;
              }
              HttpClientResponse in = ar.result().response();
              req.response().setStatusCode(in.statusCode());
              in.headers()
                  .forEach(
                      h -> {
                        if (!h.getKey().equalsIgnoreCase("content-length")
                            && !h.getKey().equalsIgnoreCase("connection")
                            && !h.getKey().equalsIgnoreCase("transfer-encoding")) {
                          req.response().headers().add(h.getKey(), h.getValue());
                        }
                      });
              req.response().end(ar.result().body());
            });
  }

  /** The {@code audience} parameter of a form body, or the empty string. */
  static String audience(String form) {
    for (String pair : form.split("&")) {
      if (pair.startsWith("audience=")) {
        return URLDecoder.decode(pair.substring("audience=".length()), StandardCharsets.UTF_8);
      }
    }
    return "";
  }

  private record Answer(HttpClientResponse response, io.vertx.core.buffer.Buffer body) {}
}
