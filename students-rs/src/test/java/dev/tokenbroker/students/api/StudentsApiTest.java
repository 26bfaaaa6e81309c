package dev.tokenbroker.students.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.students.StudentsVerticle;
import dev.tokenbroker.students.config.StudentsOptions;
import dev.tokenbroker.students.support.Await;
import dev.tokenbroker.students.support.JwksServer;
import dev.tokenbroker.students.support.TestKeys;
import dev.tokenbroker.students.support.TestServers;
import dev.tokenbroker.students.support.TestTokens;
import dev.tokenbroker.testing.MutableClock;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The HTTP contract: the 200/401/403/503 matrix, challenges, health, and the middleware chain. */
@ExtendWith(VertxExtension.class)
class StudentsApiTest {

  static final String STUDENTS = "[{\"id\":1,\"name\":\"Ada\"},{\"id\":2,\"name\":\"Alan\"}]";

  private final MutableClock clock = MutableClock.atSystemTime();
  private Vertx vertx;
  private JwksServer idp;
  private WebClient client;
  private StudentsVerticle rs;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    idp =
        Await.result(
            new JwksServer().keys(TestKeys.rsaJwk(TestKeys.RSA_A, "key-a", "RS256")).start(vertx));
    client = WebClient.create(vertx);
    rs = TestServers.deploy(vertx, TestServers.options(idp), clock);
  }

  @AfterEach
  void tearDown() {
    client.close();
  }

  private String token(JsonObject claims) {
    return TestTokens.rs256(TestKeys.RSA_A, "key-a", claims);
  }

  private String validToken() {
    return token(TestTokens.claims(clock.epochSecond()));
  }

  private HttpRequest<Buffer> request(HttpMethod method, String path) {
    return client.request(method, rs.actualPort(), "127.0.0.1", path);
  }

  private HttpResponse<Buffer> get(String path, String authorization) {
    HttpRequest<Buffer> req = request(HttpMethod.GET, path);
    if (authorization != null) {
      req.putHeader("Authorization", authorization);
    }
    return Await.result(req.send());
  }

  @Test
  void validTokenWithScopeGetsTheStudents() {
    HttpResponse<Buffer> response = get("/students", "Bearer " + validToken());
    assertEquals(200, response.statusCode());
    assertEquals(STUDENTS, response.bodyAsString());
    assertEquals("application/json", response.getHeader("Content-Type"));
    assertNull(response.getHeader("WWW-Authenticate"));
  }

  @Test
  void schemeIsCaseInsensitive() {
    assertEquals(200, get("/students", "bearer " + validToken()).statusCode());
  }

  @Test
  void noTokenGets401WithBareChallenge() {
    HttpResponse<Buffer> response = get("/students", null);
    assertEquals(401, response.statusCode());
    assertEquals("Bearer realm=\"students\"", response.getHeader("WWW-Authenticate"));
    assertEquals("unauthorized", response.bodyAsJsonObject().getString("error"));
  }

  @Test
  void otherSchemeGets401WithBareChallenge() {
    HttpResponse<Buffer> response = get("/students", "Basic dXNlcjpwYXNz");
    assertEquals(401, response.statusCode());
    assertEquals("Bearer realm=\"students\"", response.getHeader("WWW-Authenticate"));
  }

  @Test
  void expiredTokenGets401InvalidToken() {
    JsonObject claims = TestTokens.claims(clock.epochSecond() - 600);
    HttpResponse<Buffer> response = get("/students", "Bearer " + token(claims));
    assertEquals(401, response.statusCode());
    assertEquals(
        "Bearer realm=\"students\", error=\"invalid_token\", error_description=\"token expired\"",
        response.getHeader("WWW-Authenticate"));
    assertEquals(
        new JsonObject().put("error", "invalid_token").put("error_description", "token expired"),
        response.bodyAsJsonObject());
  }

  @Test
  void tokenWithoutScopeGets403InsufficientScope() {
    JsonObject claims = TestTokens.claims(clock.epochSecond()).put("scope", "read:teachers");
    HttpResponse<Buffer> response = get("/students", "Bearer " + token(claims));
    assertEquals(403, response.statusCode());
    assertEquals(
        "Bearer realm=\"students\", error=\"insufficient_scope\", scope=\"read:students\"",
        response.getHeader("WWW-Authenticate"));
    assertEquals("insufficient_scope", response.bodyAsJsonObject().getString("error"));
  }

  @Test
  void scopesFromScpAndPermissionsAreHonoured() {
    JsonObject scp = TestTokens.claims(clock.epochSecond());
    scp.remove("scope");
    assertEquals(403, get("/students", "Bearer " + token(scp)).statusCode());
    scp.put("scp", new io.vertx.core.json.JsonArray().add("read:students"));
    assertEquals(200, get("/students", "Bearer " + token(scp)).statusCode());
    scp.remove("scp");
    scp.put("permissions", new io.vertx.core.json.JsonArray().add("read:students"));
    assertEquals(200, get("/students", "Bearer " + token(scp)).statusCode());
  }

  @Test
  void requestIdIsEchoedWhenWellFormedAndGeneratedOtherwise() {
    HttpResponse<Buffer> echoed =
        Await.result(
            request(HttpMethod.GET, "/health/live")
                .putHeader("X-Request-Id", "abc-123.x_y")
                .send());
    assertEquals("abc-123.x_y", echoed.getHeader("X-Request-Id"));
    HttpResponse<Buffer> replaced =
        Await.result(
            request(HttpMethod.GET, "/students").putHeader("X-Request-Id", "bad id\"<>").send());
    assertNotEquals("bad id\"<>", replaced.getHeader("X-Request-Id"));
    assertTrue(replaced.getHeader("X-Request-Id").matches("[0-9a-f-]{36}"));
  }

  @Test
  void healthEndpointsNeedNoToken() {
    assertEquals(200, get("/health/live", null).statusCode());
    HttpResponse<Buffer> ready = get("/health/ready", null);
    assertEquals(200, ready.statusCode());
    assertEquals(1, ready.bodyAsJsonObject().getInteger("keys"));
  }

  @Test
  void noUsableKeyAnswers503UntilTheIdpRecovers() {
    idp.mode(JwksServer.Mode.ERROR_500);
    StudentsVerticle down = TestServers.deploy(vertx, TestServers.options(idp), clock);
    String token = validToken();
    HttpResponse<Buffer> ready =
        Await.result(client.get(down.actualPort(), "127.0.0.1", "/health/ready").send());
    assertEquals(503, ready.statusCode());
    HttpResponse<Buffer> students =
        Await.result(
            client
                .get(down.actualPort(), "127.0.0.1", "/students")
                .putHeader("Authorization", "Bearer " + token)
                .send());
    assertEquals(503, students.statusCode());
    assertEquals("temporarily_unavailable", students.bodyAsJsonObject().getString("error"));
    assertNotNull(students.getHeader("Retry-After"));
    HttpResponse<Buffer> anonymous =
        Await.result(client.get(down.actualPort(), "127.0.0.1", "/students").send());
    assertEquals(401, anonymous.statusCode());

    idp.mode(JwksServer.Mode.NORMAL);
    clock.advance(Duration.ofSeconds(31));
    assertEquals(
        200,
        Await.result(client.get(down.actualPort(), "127.0.0.1", "/health/ready").send())
            .statusCode());
    HttpResponse<Buffer> recovered =
        Await.result(
            client
                .get(down.actualPort(), "127.0.0.1", "/students")
                .putHeader("Authorization", "Bearer " + token)
                .send());
    assertEquals(200, recovered.statusCode());
  }

  @Test
  void rateLimitAnswers429UntilTheClockMoves() {
    StudentsOptions limited = TestServers.options(idp).setRequestsPerSecond(2);
    StudentsVerticle server = TestServers.deploy(vertx, limited, clock);
    String auth = "Bearer " + validToken();
    int[] statuses = new int[3];
    for (int i = 0; i < 3; i++) {
      statuses[i] =
          Await.result(
                  client
                      .get(server.actualPort(), "127.0.0.1", "/students")
                      .putHeader("Authorization", auth)
                      .send())
              .statusCode();
    }
    assertEquals("[200, 200, 429]", java.util.Arrays.toString(statuses));
    clock.advance(Duration.ofSeconds(1));
    assertEquals(
        200,
        Await.result(
                client
                    .get(server.actualPort(), "127.0.0.1", "/students")
                    .putHeader("Authorization", auth)
                    .send())
            .statusCode());
  }

  @Test
  void corsAllowsOnlyConfiguredOrigins() {
    HttpResponse<Buffer> preflight =
        Await.result(
            request(HttpMethod.OPTIONS, "/students")
                .putHeader("Origin", TestServers.ALLOWED_ORIGIN)
                .putHeader("Access-Control-Request-Method", "GET")
                .putHeader("Access-Control-Request-Headers", "authorization")
                .send());
    assertEquals(204, preflight.statusCode());
    assertEquals(TestServers.ALLOWED_ORIGIN, preflight.getHeader("Access-Control-Allow-Origin"));
    HttpResponse<Buffer> evil =
        Await.result(
            request(HttpMethod.GET, "/students")
                .putHeader("Origin", "https://evil.example")
                .send());
    assertEquals(403, evil.statusCode());
    assertEquals("access_denied", evil.bodyAsJsonObject().getString("error"));
  }

  @Test
  void oversizedBodyGets413BeforeAuthentication() {
    HttpResponse<Buffer> response =
        Await.result(
            request(HttpMethod.GET, "/students").sendBuffer(Buffer.buffer("x".repeat(5000))));
    assertEquals(413, response.statusCode());
  }

  @Test
  void queryParametersAreRefusedAndNeverReadAsToken() {
    assertEquals(401, get("/students?access_token=" + validToken(), null).statusCode());
    HttpResponse<Buffer> withQuery = get("/students?page=2", "Bearer " + validToken());
    assertEquals(400, withQuery.statusCode());
    assertEquals("invalid_request", withQuery.bodyAsJsonObject().getString("error"));
  }

  @Test
  void unknownPathAndMethodAnswerJson() {
    HttpResponse<Buffer> missing = get("/teachers", null);
    assertEquals(404, missing.statusCode());
    assertEquals("not_found", missing.bodyAsJsonObject().getString("error"));
    HttpResponse<Buffer> post = Await.result(request(HttpMethod.POST, "/students").send());
    assertEquals(405, post.statusCode());
  }

  @Test
  void authDisabledServesWithoutToken() {
    StudentsOptions open = TestServers.options(idp).setAuthEnabled(false);
    StudentsVerticle server = TestServers.deploy(vertx, open, clock);
    HttpResponse<Buffer> response =
        Await.result(client.get(server.actualPort(), "127.0.0.1", "/students").send());
    assertEquals(200, response.statusCode());
    assertEquals(STUDENTS, response.bodyAsString());
  }
}
