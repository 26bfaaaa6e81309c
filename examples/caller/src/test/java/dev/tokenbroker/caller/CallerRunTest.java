package dev.tokenbroker.caller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.caller.config.CallerOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.junit5.VertxExtension;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The caller against a stand-in broker (an RFC 6749 token endpoint checking the local client's
 * Basic credentials) and a stand-in students-rs (checking the bearer token): the report of {@code
 * POST /m2m/run} for success and for each failing step, and the page's HTTP rules.
 */
@ExtendWith(VertxExtension.class)
class CallerRunTest {

  static final String CLIENT_ID = "lab-caller";
  static final String SECRET = "local-secret-123";
  static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.secret-token-value.sig";
  static final String AUDIENCE = "https://students-api";

  Vertx vertx;
  WebClient client;
  HttpServer broker;
  HttpServer students;
  final List<JsonObject> tokenRequests = new ArrayList<>();
  volatile int studentsStatus = 200;
  volatile String challenge;
  volatile int brokerStatus = 200;
  CallerVerticle caller;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    client = WebClient.create(vertx);
    Router b = Router.router(vertx);
    b.post("/oauth/token")
        .handler(BodyHandler.create())
        .handler(
            ctx -> {
              JsonObject seen = new JsonObject();
              ctx.request().formAttributes().forEach(e -> seen.put(e.getKey(), e.getValue()));
              seen.put("authorization", ctx.request().getHeader("Authorization"));
              tokenRequests.add(seen);
              String basic =
                  "Basic "
                      + Base64.getEncoder()
                          .encodeToString(
                              (CLIENT_ID + ":" + SECRET).getBytes(StandardCharsets.UTF_8));
              if (brokerStatus != 200 || !basic.equals(ctx.request().getHeader("Authorization"))) {
                ctx.response()
                    .setStatusCode(401)
                    .putHeader("Content-Type", "application/json")
                    .putHeader("WWW-Authenticate", "Basic realm=\"token-broker\"")
                    .end(
                        new JsonObject()
                            .put("error", "invalid_client")
                            .put("error_description", "unknown client or wrong secret")
                            .encode());
                return;
              }
              ctx.response()
                  .putHeader("Content-Type", "application/json")
                  .putHeader("Cache-Control", "no-store")
                  .end(
                      new JsonObject()
                          .put("access_token", TOKEN)
                          .put("token_type", "Bearer")
                          .put("expires_in", 299)
                          .put("scope", "read:students")
                          .encode());
            });
    broker = vertx.createHttpServer().requestHandler(b).listen(0, "127.0.0.1").await();
    students =
        vertx
            .createHttpServer()
            .requestHandler(
                req -> {
                  boolean bearer = ("Bearer " + TOKEN).equals(req.getHeader("Authorization"));
                  int status = bearer ? studentsStatus : 401;
                  if (status != 200) {
                    req.response()
                        .setStatusCode(status)
                        .putHeader(
                            "WWW-Authenticate",
                            challenge == null ? "Bearer realm=\"students\"" : challenge)
                        .end();
                    return;
                  }
                  req.response()
                      .putHeader("Content-Type", "application/json")
                      .end("[{\"id\":1,\"name\":\"Ada\"},{\"id\":2,\"name\":\"<b>Alan</b>\"}]");
                })
            .listen(0, "127.0.0.1")
            .await();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  CallerOptions options(int brokerPort) {
    return new CallerOptions()
        .setPort(0)
        .setBrokerUrl("http://127.0.0.1:" + brokerPort)
        .setClientId(CLIENT_ID)
        .setClientSecret(SECRET)
        .setAudience(AUDIENCE)
        .setStudentsUrl("http://127.0.0.1:" + students.actualPort() + "/students")
        .setTimeoutMs(3000);
  }

  HttpResponse<Buffer> runWith(CallerOptions options) {
    caller = new CallerVerticle(options);
    vertx.deployVerticle(caller).await();
    return client
        .post(caller.actualPort(), "127.0.0.1", "/m2m/run")
        .putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer("{}"))
        .await();
  }

  static JsonObject step(JsonObject report, String name) {
    return report.getJsonArray("steps").stream()
        .map(JsonObject.class::cast)
        .filter(s -> name.equals(s.getString("name")))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aRunReturnsTheStudentsAndTimingsButNeverTheToken() {
    HttpResponse<Buffer> r = runWith(options(broker.actualPort()));
    String body = r.bodyAsString();
    assertEquals(200, r.statusCode(), body);
    assertFalse(body.contains(TOKEN), "the token is not in the report");
    assertFalse(body.contains("secret-token-value"), body);
    assertFalse(body.contains(SECRET), body);
    assertEquals("no-store", r.getHeader("Cache-Control"));
    JsonObject report = r.bodyAsJsonObject();
    assertTrue(report.getBoolean("ok"));
    assertEquals(
        new JsonArray("[{\"id\":1,\"name\":\"Ada\"},{\"id\":2,\"name\":\"<b>Alan</b>\"}]"),
        report.getJsonArray("students"));
    JsonObject t = report.getJsonObject("timings");
    assertTrue(t.getLong("tokenMs") >= 0 && t.getLong("studentsMs") >= 0);
    assertTrue(t.getLong("totalMs") >= t.getLong("tokenMs") + t.getLong("studentsMs") - 1, body);
    JsonObject token = step(report, "token");
    assertEquals("ok", token.getString("status"));
    assertEquals(1, token.getInteger("fetches"));
    assertEquals(299, token.getInteger("expiresIn"));
    assertEquals("Bearer", token.getString("tokenType"));
    assertEquals(
        "POST http://127.0.0.1:" + broker.actualPort() + "/oauth/token",
        token.getString("request"));
    JsonObject st = step(report, "students");
    assertEquals("ok", st.getString("status"));
    assertEquals(200, st.getInteger("httpStatus"));
    assertEquals(2, st.getInteger("rows"));
    // What the broker's drop-in endpoint was sent: RFC 6749 client_credentials, Basic auth.
    assertEquals(1, tokenRequests.size());
    JsonObject seen = tokenRequests.get(0);
    assertEquals("client_credentials", seen.getString("grant_type"));
    assertEquals(AUDIENCE, seen.getString("audience"));
    assertEquals("read:students", seen.getString("scope"));
    assertNull(seen.getString("client_secret"), "client_secret_basic: not in the form");
  }

  @Test
  void everyRunAsksTheBroker() {
    runWith(options(broker.actualPort()));
    HttpResponse<Buffer> second =
        client
            .post(caller.actualPort(), "127.0.0.1", "/m2m/run")
            .putHeader("Content-Type", "application/json")
            .send()
            .await();
    assertEquals(200, second.statusCode(), second.bodyAsString());
    assertEquals(2, tokenRequests.size());
  }

  @Test
  void clientSecretPostSendsTheCredentialsInTheForm() {
    brokerStatus = 200;
    HttpResponse<Buffer> r =
        runWith(options(broker.actualPort()).setAuthMethod("client_secret_post"));
    // The stand-in broker only accepts Basic: the form credentials are refused as invalid_client.
    assertEquals(502, r.statusCode());
    JsonObject seen = tokenRequests.get(0);
    assertEquals(CLIENT_ID, seen.getString("client_id"));
    assertEquals(SECRET, seen.getString("client_secret"));
    assertNull(seen.getString("authorization"));
  }

  @Test
  void aBrokerThatIsDownIsReportedAsTheTokenStep() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    HttpResponse<Buffer> r = runWith(options(closed));
    assertEquals(502, r.statusCode(), r.bodyAsString());
    JsonObject report = r.bodyAsJsonObject();
    assertFalse(report.getBoolean("ok"));
    assertFalse(report.containsKey("students"));
    JsonObject token = step(report, "token");
    assertEquals("error", token.getString("status"));
    assertEquals("broker_unreachable", token.getString("error"), r.bodyAsString());
    assertEquals("skipped", step(report, "students").getString("status"));
  }

  @Test
  void aRefusedClientIsReportedWithTheOAuthErrorCode() {
    HttpResponse<Buffer> r = runWith(options(broker.actualPort()).setClientSecret("wrong"));
    assertEquals(502, r.statusCode());
    JsonObject token = step(r.bodyAsJsonObject(), "token");
    assertEquals("invalid_client", token.getString("error"), r.bodyAsString());
    assertEquals("unknown client or wrong secret", token.getString("message"));
  }

  @Test
  void aForbiddenAnswerFromStudentsIsReportedWithItsChallenge() {
    studentsStatus = 403;
    challenge =
        "Bearer realm=\"students\", error=\"insufficient_scope\","
            + " error_description=\"needs read:students\"";
    HttpResponse<Buffer> r = runWith(options(broker.actualPort()));
    assertEquals(502, r.statusCode());
    JsonObject report = r.bodyAsJsonObject();
    assertEquals("ok", step(report, "token").getString("status"));
    JsonObject st = step(report, "students");
    assertEquals("error", st.getString("status"));
    assertEquals("http_403", st.getString("error"));
    assertEquals("insufficient_scope", st.getString("challengeError"));
    assertTrue(st.getString("message").contains("needs read:students"), st.encode());
    assertFalse(r.bodyAsString().contains(TOKEN));
  }

  @Test
  void aRejectedTokenIsRenewedOnceThenReported() {
    studentsStatus = 401;
    challenge = "Bearer realm=\"students\", error=\"invalid_token\"";
    HttpResponse<Buffer> r = runWith(options(broker.actualPort()));
    assertEquals(502, r.statusCode());
    JsonObject report = r.bodyAsJsonObject();
    assertEquals(2, step(report, "token").getInteger("fetches"), r.bodyAsString());
    assertEquals(2, tokenRequests.size());
    assertEquals("http_401", step(report, "students").getString("error"));
    assertEquals("invalid_token", step(report, "students").getString("challengeError"));
  }

  @Test
  void studentsDownIsReportedAsTheStudentsStep() {
    int port = students.actualPort();
    students.close().await();
    CallerOptions o =
        options(broker.actualPort()).setStudentsUrl("http://127.0.0.1:" + port + "/students");
    HttpResponse<Buffer> r = runWith(o);
    assertEquals(502, r.statusCode());
    assertEquals("students_unreachable", step(r.bodyAsJsonObject(), "students").getString("error"));
  }

  @Test
  void theRunNeedsJsonAndALoopbackHost() {
    caller = new CallerVerticle(options(broker.actualPort()));
    vertx.deployVerticle(caller).await();
    HttpResponse<Buffer> form =
        client
            .post(caller.actualPort(), "127.0.0.1", "/m2m/run")
            .putHeader("Content-Type", "application/x-www-form-urlencoded")
            .sendBuffer(Buffer.buffer("a=b"))
            .await();
    assertEquals(415, form.statusCode());
    HttpResponse<Buffer> rebound =
        client
            .post(caller.actualPort(), "127.0.0.1", "/m2m/run")
            .putHeader("Host", "attacker.example:" + caller.actualPort())
            .putHeader("Content-Type", "application/json")
            .send()
            .await();
    assertEquals(421, rebound.statusCode());
    assertTrue(tokenRequests.isEmpty(), "no token was asked for");
  }

  @Test
  void thePageIsServedWithAStrictContentSecurityPolicy() {
    caller = new CallerVerticle(options(broker.actualPort()));
    vertx.deployVerticle(caller).await();
    HttpResponse<Buffer> page = client.get(caller.actualPort(), "127.0.0.1", "/").send().await();
    assertEquals(200, page.statusCode());
    assertTrue(page.bodyAsString().contains("<button id=\"run\""), page.bodyAsString());
    assertTrue(page.getHeader("Content-Security-Policy").contains("script-src 'self'"));
    HttpResponse<Buffer> js =
        client.get(caller.actualPort(), "127.0.0.1", "/app.js").send().await();
    assertEquals(200, js.statusCode());
    assertFalse(js.bodyAsString().contains("innerHTML"), "data goes in with textContent");
    HttpResponse<Buffer> health =
        client.get(caller.actualPort(), "127.0.0.1", "/health/ready").send().await();
    assertEquals(200, health.statusCode());
  }
}
