package dev.tokenbroker.bench.load;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpResponseExpectation;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The fixture for the pattern applications commonly write by hand: "if a token is cached and not
 * within 60 s of expiry, return it; otherwise POST to the token endpoint and cache the answer". One
 * instance is shared by all callers, as in an application; there is deliberately no single-flight,
 * so every caller that finds the token stale makes its own IdP call. The HTTP client keeps Vert.x's
 * default pool, as such code usually does.
 */
public final class NaiveTokenCache implements TokenSource, AutoCloseable {

  static final long REFRESH_MARGIN_MILLIS = 60_000;

  private final HttpClient client;
  private final String tokenEndpoint;
  private final String authorization;
  private final Buffer form;
  private volatile Cached cached;

  private record Cached(String token, long expiresAtMillis) {}

  public NaiveTokenCache(
      Vertx vertx,
      String tokenEndpoint,
      String clientId,
      String secret,
      String audience,
      String scope) {
    this.client = vertx.createHttpClient();
    this.tokenEndpoint = tokenEndpoint;
    this.authorization =
        "Basic "
            + Base64.getEncoder()
                .encodeToString((clientId + ":" + secret).getBytes(StandardCharsets.UTF_8));
    this.form =
        Buffer.buffer(
            "grant_type=client_credentials&audience="
                + URLEncoder.encode(audience, StandardCharsets.UTF_8)
                + "&scope="
                + URLEncoder.encode(scope, StandardCharsets.UTF_8));
  }

  @Override
  public Future<String> token() {
    Cached c = cached;
    if (c != null && System.currentTimeMillis() < c.expiresAtMillis() - REFRESH_MARGIN_MILLIS) {
      return Future.succeededFuture(c.token());
    }
    long sentAt = System.currentTimeMillis();
    return client
        .request(new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(tokenEndpoint))
        .compose(
            req ->
                req.putHeader("Authorization", authorization)
                    .putHeader("Content-Type", "application/x-www-form-urlencoded")
                    .send(form)
                    .expecting(HttpResponseExpectation.SC_OK))
        .compose(HttpClientResponse::body)
        .map(
            b -> {
              JsonObject json = b.toJsonObject();
              String token = json.getString("access_token");
              cached = new Cached(token, sentAt + json.getLong("expires_in") * 1000);
              return token;
            });
  }

  @Override
  public void close() {
    client.close();
  }
}
