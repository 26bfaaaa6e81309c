package dev.tokenbroker.bench.load;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpResponseExpectation;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * Asks the broker's {@code GET /v1/token} over HTTP/1.1 keep-alive connections, one connection per
 * concurrent caller (up to {@code maxConnections}); {@code () -> source.token(path)} is a {@link
 * TokenSource}.
 */
public final class BrokerHttpSource implements AutoCloseable {

  private final HttpClient client;
  private final int port;

  public BrokerHttpSource(Vertx vertx, int port, int maxConnections) {
    this.client =
        vertx.httpClientBuilder().with(new PoolOptions().setHttp1MaxSize(maxConnections)).build();
    this.port = port;
  }

  /**
   * Opens {@code n} connections (n concurrent {@code GET /health/live}) so a burst needs no
   * connects.
   */
  public Future<Void> connect(int n) {
    List<Future<?>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(
          client
              .request(options("/health/live"))
              .compose(req -> req.send().expecting(HttpResponseExpectation.SC_OK))
              .compose(HttpClientResponse::body));
    }
    return Future.all(all).mapEmpty();
  }

  /**
   * Asks once for each path, at most {@code maxConnections} at a time (the pool bounds it), so a
   * broker started without prefetch holds every key before a benchmark; fails if any request does.
   */
  public Future<Void> fetchAll(List<String> paths) {
    List<Future<?>> all = new ArrayList<>();
    for (String p : paths) {
      all.add(token(p));
    }
    return Future.all(all).mapEmpty();
  }

  /** The access token the broker answers for {@code path} ({@code /v1/token?audience=...}). */
  public Future<String> token(String path) {
    return client
        .request(options(path))
        .compose(
            req ->
                req.putHeader("Token-Broker-Request", "true")
                    .send()
                    .expecting(HttpResponseExpectation.SC_OK))
        .compose(HttpClientResponse::body)
        .map(b -> b.toJsonObject().getString("access_token"));
  }

  private RequestOptions options(String uri) {
    return new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setHost("127.0.0.1")
        .setPort(port)
        .setURI(uri);
  }

  @Override
  public void close() {
    client.close();
  }
}
