package dev.tokenbroker.broker.api.http.oauth;

import static dev.tokenbroker.broker.api.http.oauth.DropInFixture.ORDERS_ID;
import static dev.tokenbroker.broker.api.http.oauth.DropInFixture.ORDERS_SECRET;
import static dev.tokenbroker.broker.api.http.oauth.DropInFixture.READER_ID;
import static dev.tokenbroker.broker.api.http.oauth.DropInFixture.READER_SECRET;
import static dev.tokenbroker.broker.api.http.oauth.DropInFixture.basic;
import static dev.tokenbroker.broker.api.http.oauth.DropInFixture.form;
import static dev.tokenbroker.broker.api.http.oauth.DropInFixture.grant;
import static dev.tokenbroker.broker.api.http.oauth.DropInFixture.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.testing.FaultProxy;
import dev.tokenbroker.broker.testing.RunningBroker;
import dev.tokenbroker.broker.testing.RunningBroker.Answer;
import dev.tokenbroker.broker.testing.TestIdp;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.oauth2.OAuth2Auth;
import io.vertx.ext.auth.oauth2.OAuth2FlowType;
import io.vertx.ext.auth.oauth2.OAuth2Options;
import io.vertx.ext.auth.oauth2.Oauth2Credentials;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drop-in endpoint with a broker per test: single flight, upstream trouble, switched off,
 * {@code requireCallerAuth}, the Unix socket, and Vert.x's own {@link OAuth2Auth} as a client.
 */
@ExtendWith(VertxExtension.class)
class DropInBehaviourTest {

  private static final String AUDIENCE = "audience=" + form(TestIdp.AUDIENCE);
  private TestIdp idp;
  private RunningBroker broker;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    idp = TestIdp.start(vertx);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (broker != null) {
      broker.undeploy();
    }
    idp.close();
  }

  private void deploy(Vertx vertx, JsonObject config) {
    broker = RunningBroker.deploy(vertx, config, Clock.systemUTC(), true);
  }

  @Test
  void thousandConcurrentColdRequestsMakeOneIdpCall(Vertx vertx) {
    idp.proxy().mode(FaultProxy.Mode.SLOW).slowMillis(300);
    JsonObject config = DropInFixture.config(idp);
    // 1,000 connections at once: above the default http.limits.maxConnections (256)
    config.getJsonObject("http").put("limits", new JsonObject().put("maxConnections", 1100));
    // On a loaded 2-core machine the first token can take longer than the default wait.
    config.put("cache", new JsonObject().put("maxWaitMillis", 60_000));
    deploy(vertx, config);
    HttpClient client =
        vertx.createHttpClient(
            new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(broker.port()),
            new PoolOptions().setHttp1MaxSize(1000));
    Buffer body = Buffer.buffer(grant(AUDIENCE + "&scope=read%3Astudents"));
    List<Future<String>> answers = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      answers.add(
          client
              .request(
                  new RequestOptions()
                      .setMethod(HttpMethod.POST)
                      .setURI(OAuthEndpoint.TOKEN_PATH)
                      .putHeader("Content-Type", "application/x-www-form-urlencoded")
                      .putHeader("Authorization", basic(READER_ID, READER_SECRET)))
              .compose(req -> req.send(body))
              .compose(
                  resp ->
                      resp.body()
                          .map(
                              b -> {
                                assertEquals(200, resp.statusCode(), b.toString());
                                return b;
                              }))
              .map(b -> b.toJsonObject().getString("access_token")));
    }
    Future.all(answers).await();
    Set<String> tokens = new HashSet<>();
    answers.forEach(f -> tokens.add(f.result()));
    assertEquals(1, tokens.size(), "every caller got the same token");
    assertEquals(1, idp.proxy().tokenRequests(), "one IdP call for 1,000 concurrent cold requests");
    client.close().await();
  }

  @Test
  void upstreamTroubleIsTemporarilyUnavailableWithRetryAfter(Vertx vertx) {
    deploy(vertx, DropInFixture.config(idp));
    for (FaultProxy.Mode mode : List.of(FaultProxy.Mode.DOWN, FaultProxy.Mode.ERROR_500)) {
      idp.proxy().mode(mode);
      Answer a =
          post(
              broker,
              grant(AUDIENCE + "&scope=write%3Astudents"),
              "Authorization",
              basic(ORDERS_ID, ORDERS_SECRET));
      assertEquals(503, a.status(), mode + ": " + a.body());
      assertEquals("temporarily_unavailable", a.json().getString("error"));
      assertTrue(Long.parseLong(a.headers().get("Retry-After")) >= 1);
      assertEquals("no-store", a.headers().get("Cache-Control"));
      assertEquals(null, a.json().getValue("idp_error"));
    }
    // The IdP refusing the broker is the operator's problem, not the caller's: still 503.
    idp.proxy().mode(FaultProxy.Mode.PASS);
    idp.proxy()
        .override(
            req ->
                req.response()
                    .setStatusCode(401)
                    .putHeader("Content-Type", "application/json")
                    .end("{\"error\":\"invalid_client\"}"));
    Answer refused =
        post(
            broker,
            grant("audience=" + form(DropInFixture.OTHER_AUDIENCE)),
            "Authorization",
            basic(ORDERS_ID, ORDERS_SECRET));
    assertEquals(503, refused.status(), refused.body().toString());
    assertEquals("temporarily_unavailable", refused.json().getString("error"));
  }

  @Test
  void withoutLocalClientsTheEndpointIsOff(Vertx vertx) {
    deploy(vertx, idp.brokerConfig());
    assertEquals(404, post(broker, grant(AUDIENCE), "Authorization", basic("a", "b")).status());
    assertEquals(404, broker.get(OAuthEndpoint.AUTHORIZATION_SERVER_METADATA).status());
    assertEquals(404, broker.get(OAuthEndpoint.OPENID_CONFIGURATION).status());
    // and GET /v1/token ignores credentials it cannot check
    Answer a =
        broker.get(
            "/v1/token?" + AUDIENCE,
            "Token-Broker-Request",
            "true",
            "Authorization",
            basic("a", "b"));
    assertEquals(200, a.status(), a.body().toString());
  }

  @Test
  void requireCallerAuthMakesGetV1TokenAskForCredentials(Vertx vertx) {
    JsonObject config = DropInFixture.config(idp);
    config.getJsonObject("http").put("requireCallerAuth", true);
    deploy(vertx, config);
    Answer anonymous = broker.getToken("/v1/token?" + AUDIENCE).await();
    assertEquals(401, anonymous.status(), anonymous.body().toString());
    assertEquals("invalid_client", anonymous.json().getString("error"));
    assertTrue(anonymous.headers().get("WWW-Authenticate").startsWith("Basic realm="));
    Answer reader =
        broker.get(
            "/v1/token?" + AUDIENCE,
            "Token-Broker-Request",
            "true",
            "Authorization",
            basic(READER_ID, READER_SECRET));
    assertEquals(200, reader.status(), reader.body().toString());
    assertEquals(TestIdp.SCOPE, reader.json().getString("scope"));
    Answer write =
        broker.get(
            "/v1/token?" + AUDIENCE + "&scope=write%3Astudents",
            "Token-Broker-Request",
            "true",
            "Authorization",
            basic(READER_ID, READER_SECRET));
    assertEquals(400, write.status());
    assertEquals("invalid_scope", write.json().getString("error"));
    // the anti-SSRF header is still required on GET /v1/token
    Answer noHeader =
        broker.get("/v1/token?" + AUDIENCE, "Authorization", basic(READER_ID, READER_SECRET));
    assertEquals(403, noHeader.status());
  }

  @Test
  void vertxOAuth2AuthGetsATokenFromTheBroker(Vertx vertx) {
    deploy(vertx, DropInFixture.config(idp));
    OAuth2Auth reader =
        OAuth2Auth.create(
            vertx,
            new OAuth2Options()
                .setClientId(READER_ID)
                .setClientSecret(READER_SECRET)
                .setSite("http://127.0.0.1:" + broker.port())
                .setTokenPath(OAuthEndpoint.TOKEN_PATH));
    User user =
        reader
            .authenticate(
                new Oauth2Credentials()
                    .setFlow(OAuth2FlowType.CLIENT)
                    .setScopes(List.of(TestIdp.SCOPE)))
            .await();
    String token = user.principal().getString("access_token");
    assertTrue(token != null && token.length() > 20, "a token");
    // the same token GET /v1/token serves for that key
    Answer v1 = broker.getToken("/v1/token?" + AUDIENCE + "&scope=read%3Astudents").await();
    assertEquals(token, v1.json().getString("access_token"));

    // A caller with special characters in id and secret, naming its audience as an extra parameter.
    OAuth2Auth orders =
        OAuth2Auth.create(
            vertx,
            new OAuth2Options()
                .setClientId(ORDERS_ID)
                .setClientSecret(ORDERS_SECRET)
                .setSite("http://127.0.0.1:" + broker.port())
                .setTokenPath(OAuthEndpoint.TOKEN_PATH)
                .setExtraParameters(new JsonObject().put("audience", TestIdp.AUDIENCE)));
    User o =
        orders
            .authenticate(
                new Oauth2Credentials()
                    .setFlow(OAuth2FlowType.CLIENT)
                    .setScopes(List.of("write:students")))
            .await();
    assertTrue(o.principal().getString("access_token").length() > 20);
    assertEquals("write:students", o.principal().getString("scope"));
  }

  @Test
  void theDropInServesTheUnixSocketToo(Vertx vertx, @TempDir Path dir) {
    Path socket = dir.resolve("api.sock");
    JsonObject config = DropInFixture.config(idp);
    config.getJsonObject("http").put("unixSocket", socket.toString());
    deploy(vertx, config);
    HttpClient client = vertx.createHttpClient();
    RequestOptions base =
        new RequestOptions()
            .setServer(SocketAddress.domainSocketAddress(socket.toString()))
            .setHost("localhost")
            .setPort(80);
    JsonObject metadata =
        client
            .request(
                new RequestOptions(base)
                    .setMethod(HttpMethod.GET)
                    .setURI(OAuthEndpoint.AUTHORIZATION_SERVER_METADATA))
            .compose(req -> req.send())
            .compose(resp -> resp.body())
            .await()
            .toJsonObject();
    assertEquals("http://localhost", metadata.getString("issuer"));
    assertEquals("http://localhost/oauth/token", metadata.getString("token_endpoint"));
    JsonObject token =
        client
            .request(
                new RequestOptions(base)
                    .setMethod(HttpMethod.POST)
                    .setURI(OAuthEndpoint.TOKEN_PATH)
                    .putHeader("Content-Type", "application/x-www-form-urlencoded")
                    .putHeader("Authorization", basic(READER_ID, READER_SECRET)))
            .compose(req -> req.send(grant(AUDIENCE)))
            .compose(
                resp -> {
                  assertEquals(200, resp.statusCode());
                  return resp.body();
                })
            .await()
            .toJsonObject();
    assertTrue(token.getString("access_token").length() > 20);
    client.close().await();
  }
}
