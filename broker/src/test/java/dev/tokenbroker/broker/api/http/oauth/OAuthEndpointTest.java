package dev.tokenbroker.broker.api.http.oauth;

import static dev.tokenbroker.broker.api.http.oauth.DropInFixture.DISABLED_ID;
import static dev.tokenbroker.broker.api.http.oauth.DropInFixture.DISABLED_SECRET;
import static dev.tokenbroker.broker.api.http.oauth.DropInFixture.ORDERS_ID;
import static dev.tokenbroker.broker.api.http.oauth.DropInFixture.ORDERS_SECRET;
import static dev.tokenbroker.broker.api.http.oauth.DropInFixture.OTHER_AUDIENCE;
import static dev.tokenbroker.broker.api.http.oauth.DropInFixture.READER_ID;
import static dev.tokenbroker.broker.api.http.oauth.DropInFixture.READER_SECRET;
import static dev.tokenbroker.broker.api.http.oauth.DropInFixture.basic;
import static dev.tokenbroker.broker.api.http.oauth.DropInFixture.form;
import static dev.tokenbroker.broker.api.http.oauth.DropInFixture.grant;
import static dev.tokenbroker.broker.api.http.oauth.DropInFixture.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.testing.RunningBroker;
import dev.tokenbroker.broker.testing.RunningBroker.Answer;
import dev.tokenbroker.broker.testing.TestIdp;
import dev.tokenbroker.testing.RawHttp;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code POST /oauth/token} and its metadata over real sockets: RFC 6749 answers and errors. */
@ExtendWith(VertxExtension.class)
class OAuthEndpointTest {

  private static final String AUDIENCE = "audience=" + form(TestIdp.AUDIENCE);
  private static final String READ = "scope=" + form(TestIdp.SCOPE);
  private static TestIdp idp;
  private static RunningBroker broker;
  private static final List<String> logged = new ArrayList<>();
  private static final List<String> bodies = new ArrayList<>();
  private static final Handler CAPTURE =
      new Handler() {
        @Override
        public void publish(LogRecord r) {
          synchronized (logged) {
            logged.add(r.getMessage() + " " + r.getThrown());
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    Logger.getLogger("").addHandler(CAPTURE);
    idp = TestIdp.start(vertx);
    broker = RunningBroker.deploy(vertx, DropInFixture.config(idp), Clock.systemUTC(), true);
  }

  @AfterAll
  static void stop() throws Exception {
    broker.undeploy();
    idp.close();
    Logger.getLogger("").removeHandler(CAPTURE);
  }

  private static Answer kept(Answer a) {
    synchronized (bodies) {
      bodies.add(a.body().toString());
    }
    return a;
  }

  private static Answer orders(String body) {
    return kept(post(broker, body, "Authorization", basic(ORDERS_ID, ORDERS_SECRET)));
  }

  private static Answer reader(String body) {
    return kept(post(broker, body, "Authorization", basic(READER_ID, READER_SECRET)));
  }

  private static void assertError(Answer a, int status, String error) {
    assertV1Error(a, status, error);
    assertEquals("no-cache", a.headers().get("Pragma"));
  }

  /** An error of {@code GET /v1/token} (no {@code Pragma} there). */
  private static void assertV1Error(Answer a, int status, String error) {
    assertEquals(status, a.status(), a.body().toString());
    assertEquals(error, a.json().getString("error"), a.body().toString());
    assertEquals("no-store", a.headers().get("Cache-Control"));
  }

  @Test
  void basicWithFormEncodedSpecialCharactersGetsAnRfc6749Answer() {
    Answer a = orders(grant(AUDIENCE + "&" + READ));
    assertEquals(200, a.status(), a.body().toString());
    assertEquals("no-store", a.headers().get("Cache-Control"));
    assertEquals("no-cache", a.headers().get("Pragma"));
    assertTrue(a.headers().get("Content-Type").startsWith("application/json"));
    JsonObject json = a.json();
    assertEquals(
        List.of("access_token", "token_type", "expires_in", "scope"),
        List.copyOf(json.fieldNames()));
    assertEquals("Bearer", json.getString("token_type"));
    assertEquals(TestIdp.SCOPE, json.getString("scope"));
    long expiresIn = json.getLong("expires_in");
    assertTrue(expiresIn > 3500 && expiresIn <= 3600, "expires_in " + expiresIn);
    // The same cache as GET /v1/token: the same token for the same key.
    Answer v1 =
        broker.getToken("/v1/token?audience=" + form(TestIdp.AUDIENCE) + "&" + READ).await();
    assertEquals(json.getString("access_token"), v1.json().getString("access_token"));
    // a colon inside the id survives only because it is form-encoded
    Answer colon =
        kept(
            post(
                broker,
                grant(AUDIENCE),
                "Authorization",
                basic(DropInFixture.COLON_ID, DropInFixture.COLON_SECRET)));
    assertEquals(200, colon.status(), colon.body().toString());
  }

  @Test
  void basicCredentialsSentUnencodedAreAcceptedToo() {
    // Clients that skip RFC 6749 §2.3.1's encoding (Vert.x's OAuth2Auth) send id:secret as is.
    Answer a =
        kept(post(broker, grant(AUDIENCE), "Authorization", rawBasic(ORDERS_ID, ORDERS_SECRET)));
    assertEquals(200, a.status(), a.body().toString());
    // either reading must match: a wrong secret stays wrong in both
    assertError(
        kept(
            post(
                broker,
                grant(AUDIENCE),
                "Authorization",
                rawBasic(ORDERS_ID, ORDERS_SECRET + "%"))),
        401,
        "invalid_client");
    assertError(
        kept(
            post(
                broker,
                grant(AUDIENCE),
                "Authorization",
                rawBasic(ORDERS_ID, ORDERS_SECRET.replace('+', ' ')))),
        401,
        "invalid_client");
  }

  private static String rawBasic(String id, String secret) {
    return "Basic "
        + java.util.Base64.getEncoder()
            .encodeToString((id + ":" + secret).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void clientSecretPostWithResourceWorks() {
    Answer a =
        kept(
            post(
                broker,
                grant(
                    "resource="
                        + form(TestIdp.AUDIENCE)
                        + "&"
                        + READ
                        + "&client_id="
                        + form(ORDERS_ID)
                        + "&client_secret="
                        + form(ORDERS_SECRET))));
    assertEquals(200, a.status(), a.body().toString());
    assertEquals(TestIdp.SCOPE, a.json().getString("scope"));
  }

  @Test
  void withoutScopeTheCallersAllowedScopesAreGranted() {
    Answer a = reader(grant(AUDIENCE));
    assertEquals(200, a.status(), a.body().toString());
    assertEquals(TestIdp.SCOPE, a.json().getString("scope"), "reader may only read");
    // and without an audience, its only allowed audience
    Answer b = reader(grant(""));
    assertEquals(200, b.status(), b.body().toString());
    assertEquals(a.json().getString("access_token"), b.json().getString("access_token"));
    // orders has two audiences: it must name one
    assertError(orders(grant("")), 400, "invalid_request");
  }

  @Test
  void wrongSecretUnknownClientOrNoCredentialsIsInvalidClient() {
    for (Answer a :
        List.of(
            kept(post(broker, grant(AUDIENCE), "Authorization", basic(ORDERS_ID, "nope"))),
            kept(post(broker, grant(AUDIENCE), "Authorization", basic("nobody", ORDERS_SECRET))),
            kept(post(broker, grant(AUDIENCE), "Authorization", "Basic !!!not-base64")),
            kept(post(broker, grant(AUDIENCE), "Authorization", "Bearer abc")),
            kept(post(broker, grant(AUDIENCE + "&client_id=reader&client_secret=wrong"))),
            kept(post(broker, grant(AUDIENCE))))) {
      assertError(a, 401, "invalid_client");
      assertTrue(
          a.headers().get("WWW-Authenticate").startsWith("Basic realm=\"token-broker\""),
          "challenge: " + a.headers().get("WWW-Authenticate"));
      assertNull(a.json().getValue("access_token"));
    }
  }

  @Test
  void twoAuthenticationMethodsAreRefused() {
    Answer a =
        kept(
            post(
                broker,
                grant(AUDIENCE + "&client_id=reader&client_secret=" + READER_SECRET),
                "Authorization",
                basic(READER_ID, READER_SECRET)));
    assertError(a, 400, "invalid_request");
  }

  @Test
  void grantTypeIsCheckedAfterAuthentication() {
    assertError(reader(AUDIENCE), 400, "invalid_request");
    assertError(reader("grant_type=password&" + AUDIENCE), 400, "unsupported_grant_type");
    assertError(reader("grant_type=authorization_code&code=x"), 400, "unsupported_grant_type");
  }

  @Test
  void malformedBodiesAreInvalidRequest() {
    RequestOptions json =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setURI(OAuthEndpoint.TOKEN_PATH)
            .putHeader("Content-Type", "application/json")
            .putHeader("Authorization", basic(READER_ID, READER_SECRET));
    assertError(
        kept(broker.send(json, Buffer.buffer("{\"grant_type\":\"client_credentials\"}")).await()),
        400,
        "invalid_request");
    RequestOptions none =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setURI(OAuthEndpoint.TOKEN_PATH)
            .putHeader("Authorization", basic(READER_ID, READER_SECRET));
    assertError(
        kept(broker.send(none, Buffer.buffer(grant(AUDIENCE))).await()), 400, "invalid_request");
    Answer big = reader(grant(AUDIENCE + "&pad=" + "x".repeat(OAuthEndpoint.MAX_BODY_BYTES)));
    assertEquals(413, big.status());
    assertEquals("invalid_request", big.json().getString("error"));
    assertError(reader(grant(AUDIENCE + "&" + READ + "&" + READ)), 400, "invalid_request");
    assertError(
        reader(grant(AUDIENCE + "&resource=" + form("https://elsewhere"))), 400, "invalid_request");
    Answer agree = reader(grant(AUDIENCE + "&resource=" + form(TestIdp.AUDIENCE)));
    assertEquals(200, agree.status(), agree.body().toString());
    assertError(
        reader(grant("resource=" + form(TestIdp.AUDIENCE) + "&resource=" + form(OTHER_AUDIENCE))),
        400,
        "invalid_target");
    assertEquals(405, broker.get(OAuthEndpoint.TOKEN_PATH).status());
  }

  @Test
  void aNarrowerCallerIsRefusedWhatItMayNotHave() {
    int before = idp.proxy().tokenRequests();
    assertError(reader(grant(AUDIENCE + "&scope=write%3Astudents")), 400, "invalid_scope");
    assertError(
        reader(grant(AUDIENCE + "&scope=read%3Astudents%20write%3Astudents")),
        400,
        "invalid_scope");
    assertError(reader(grant("audience=" + form(OTHER_AUDIENCE))), 400, "invalid_target");
    assertError(reader(grant("audience=" + form("https://unknown"))), 400, "invalid_target");
    // orders may have both
    assertEquals(200, orders(grant(AUDIENCE + "&scope=write%3Astudents")).status());
    assertError(
        kept(post(broker, grant(AUDIENCE), "Authorization", basic(DISABLED_ID, DISABLED_SECRET))),
        400,
        "unauthorized_client");
    assertTrue(idp.proxy().tokenRequests() <= before + 1, "refusals never reach the IdP");
  }

  @Test
  void aNarrowerCallerIsRefusedOnGetV1TokenToo() {
    String write = "/v1/token?" + AUDIENCE + "&scope=write%3Astudents";
    Answer a =
        broker.get(
            write,
            "Token-Broker-Request",
            "true",
            "Authorization",
            basic(READER_ID, READER_SECRET));
    assertV1Error(a, 400, "invalid_scope");
    Answer b =
        broker.get(
            "/v1/token?audience=" + form(OTHER_AUDIENCE),
            "Token-Broker-Request",
            "true",
            "Authorization",
            basic(READER_ID, READER_SECRET));
    assertV1Error(b, 400, "invalid_target");
    Answer ok =
        broker.get(
            "/v1/token?" + AUDIENCE,
            "Token-Broker-Request",
            "true",
            "Authorization",
            basic(READER_ID, READER_SECRET));
    assertEquals(200, ok.status(), ok.body().toString());
    assertEquals(TestIdp.SCOPE, ok.json().getString("scope"));
    Answer wrong =
        broker.get(
            "/v1/token?" + AUDIENCE,
            "Token-Broker-Request",
            "true",
            "Authorization",
            basic(READER_ID, "wrong"));
    assertV1Error(wrong, 401, "invalid_client");
    // requireCallerAuth is off here: an anonymous caller keeps the tokens-wide policy
    assertEquals(200, broker.getToken(write).await().status());
    bodies.addAll(List.of(a.body().toString(), b.body().toString(), wrong.body().toString()));
  }

  @Test
  void theHostProxyAndPeerRulesApplyButNotTheHeader() throws Exception {
    assertError(
        post(
            broker,
            grant(AUDIENCE),
            "Authorization",
            basic(READER_ID, READER_SECRET),
            "X-Forwarded-For",
            "203.0.113.7"),
        403,
        "access_denied");
    String body = grant(AUDIENCE);
    String response =
        RawHttp.exchange(
            broker.port(),
            "POST /oauth/token HTTP/1.1\r\nHost: evil.example\r\nAuthorization: "
                + basic(READER_ID, READER_SECRET)
                + "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: "
                + body.length()
                + "\r\nConnection: close\r\n\r\n"
                + body);
    assertTrue(response.startsWith("HTTP/1.1 403 "), response);
    assertFalse(response.contains("access_token"), response);
    assertEquals(403, broker.get(OAuthEndpoint.OPENID_CONFIGURATION, "Via", "1.1 proxy").status());
  }

  @Test
  void metadataNamesTheListenerAndTheTokenEndpoint() {
    String issuer = "http://127.0.0.1:" + broker.port();
    for (String path :
        List.of(OAuthEndpoint.AUTHORIZATION_SERVER_METADATA, OAuthEndpoint.OPENID_CONFIGURATION)) {
      Answer a = broker.get(path);
      assertEquals(200, a.status(), path);
      JsonObject m = a.json();
      assertEquals(issuer, m.getString("issuer"));
      assertEquals(issuer + "/oauth/token", m.getString("token_endpoint"));
      assertEquals(
          List.of("client_credentials"), m.getJsonArray("grant_types_supported").getList());
      assertEquals(
          List.of("client_secret_basic", "client_secret_post"),
          m.getJsonArray("token_endpoint_auth_methods_supported").getList());
    }
  }

  @Test
  void requestsAreCountedWithTheOauthApiLabel() {
    assertEquals(200, reader(grant(AUDIENCE)).status());
    String text = broker.get("/metrics").body().toString();
    assertTrue(
        text.lines()
            .anyMatch(
                l ->
                    l.startsWith("token_broker_token_requests_total{api=\"oauth\",outcome=\"hit\"")
                        && !l.endsWith(" 0.0")),
        "oauth hits counted");
    assertTrue(text.contains("token_broker_token_requests_total{api=\"oauth\",outcome=\"denied\""));
  }

  @Test
  void noLocalSecretInLogsOrBodies() {
    // provoke a few refusals first, so the bodies list is not empty whatever the test order
    orders(grant(""));
    kept(post(broker, grant(AUDIENCE), "Authorization", basic(ORDERS_ID, ORDERS_SECRET + "x")));
    String config = broker.verticle().toString();
    List<String> all = new ArrayList<>();
    synchronized (logged) {
      all.addAll(logged);
    }
    synchronized (bodies) {
      all.addAll(bodies);
    }
    all.add(new dev.tokenbroker.broker.config.BrokerOptions(DropInFixture.config(idp)).toString());
    all.add(broker.get("/metrics").body().toString());
    assertFalse(all.isEmpty());
    for (String s : all) {
      for (String secret :
          List.of(
              ORDERS_SECRET,
              form(ORDERS_SECRET),
              READER_SECRET,
              DISABLED_SECRET,
              DropInFixture.COLON_SECRET)) {
        assertFalse(s.contains(secret), "a local secret leaked: " + s);
      }
    }
    assertFalse(config.contains(READER_SECRET));
  }
}
