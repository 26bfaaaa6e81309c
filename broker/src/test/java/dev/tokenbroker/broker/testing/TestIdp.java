package dev.tokenbroker.broker.testing;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;

/**
 * A real IdP for tests: an embedded mock-oauth2-server on 127.0.0.1 behind a {@link FaultProxy}.
 * Everything the broker sends goes over HTTP through the proxy, which counts it.
 */
public final class TestIdp implements AutoCloseable {

  public static final String CLIENT_ID = "svc:orders";
  public static final String CLIENT_SECRET = "test-only s3cret&=%+";
  public static final String AUDIENCE = "https://students-api";
  public static final String SCOPE = "read:students";

  private final MockOAuth2Server server;
  private final FaultProxy proxy;
  private final AudienceCallback callback;

  private TestIdp(MockOAuth2Server server, FaultProxy proxy, AudienceCallback callback) {
    this.server = server;
    this.proxy = proxy;
    this.callback = callback;
  }

  /** An IdP on the real clock. */
  public static TestIdp start(Vertx vertx) throws Exception {
    return start(vertx, Clock.systemUTC());
  }

  /**
   * An IdP whose token times (iat, exp) follow {@code clock}, so tests can move time for both
   * sides.
   */
  public static TestIdp start(Vertx vertx, Clock clock) throws Exception {
    AudienceCallback callback = new AudienceCallback(AUDIENCE);
    OAuth2Config config =
        new OAuth2Config(
            false, null, null, false, new OAuth2TokenProvider(clock::instant), Set.of(callback));
    MockOAuth2Server server = new MockOAuth2Server(config);
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    FaultProxy proxy = new FaultProxy(vertx, server.baseUrl().port());
    proxy.start().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return new TestIdp(server, proxy, callback);
  }

  /** Sets the lifetime of tokens issued from now on. */
  public TestIdp tokenLifetimeSeconds(long seconds) {
    callback.expirySeconds(seconds);
    return this;
  }

  public MockOAuth2Server server() {
    return server;
  }

  public FaultProxy proxy() {
    return proxy;
  }

  /** The issuer as the broker sees it (through the proxy). */
  public String issuer() {
    return proxy.url("/default");
  }

  public String tokenEndpoint() {
    return proxy.url("/default/token");
  }

  /**
   * An IdP client for this IdP (through the proxy), configured like the broker's {@code idp}
   * section with {@code overrides} merged in.
   */
  public dev.tokenbroker.broker.idp.impl.HttpIdpClient client(
      Vertx vertx, Clock clock, JsonObject overrides) {
    JsonObject json =
        new JsonObject()
            .put("tokenEndpoint", tokenEndpoint())
            .put("clientId", CLIENT_ID)
            .put("clientSecret", CLIENT_SECRET)
            .mergeIn(overrides);
    return new dev.tokenbroker.broker.idp.impl.HttpIdpClient(
        vertx,
        new dev.tokenbroker.broker.config.IdpOptions(
            new dev.tokenbroker.common.config.ConfigReader("idp", json)),
        clock);
  }

  /** A minimal valid broker configuration against this IdP. */
  public JsonObject brokerConfig() {
    return new JsonObject()
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0))
        .put(
            "idp",
            new JsonObject()
                .put("tokenEndpoint", tokenEndpoint())
                .put("clientId", CLIENT_ID)
                .put("clientSecret", CLIENT_SECRET))
        .put("eventBus", new JsonObject().put("tcpBridge", new JsonObject().put("enabled", false)))
        .put(
            "tokens",
            new JsonArray()
                .add(
                    new JsonObject()
                        .put("audience", AUDIENCE)
                        .put("scopes", new JsonArray().add(SCOPE).add("write:students"))
                        .put("prefetch", true)))
        .put("retry", new JsonObject().put("minBackoffMillis", 100).put("maxBackoffMillis", 2000));
  }

  /**
   * One token request through the proxy, uncounted: on a busy machine the first answer of a cold
   * mock-oauth2-server can take longer than a broker's request timeout, and with the tick driven by
   * hand nothing would retry a failed prefetch.
   */
  public TestIdp warmUp() throws Exception {
    java.net.http.HttpClient.newHttpClient()
        .send(
            java.net.http.HttpRequest.newBuilder(java.net.URI.create(tokenEndpoint()))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(
                    java.net.http.HttpRequest.BodyPublishers.ofString(
                        "grant_type=client_credentials&client_id=warm-up&client_secret=x"))
                .timeout(java.time.Duration.ofSeconds(30))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.discarding());
    proxy.reset();
    return this;
  }

  @Override
  public void close() throws Exception {
    proxy.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    server.shutdown();
  }
}
