package dev.tokenbroker.broker.idp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.testing.Events;
import dev.tokenbroker.broker.testing.RunningBroker;
import dev.tokenbroker.broker.testing.RunningBroker.Answer;
import dev.tokenbroker.broker.testing.TestIdp;
import dev.tokenbroker.testing.MutableClock;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Auth0's wire format, against a local stand-in of {@code POST https://TENANT/oauth/token}: the
 * {@code audience} form parameter, client_secret_post, 24 h tokens, and Auth0's error bodies
 * (access_denied when the application is not authorized for the API, 429 with Retry-After).
 */
@ExtendWith(VertxExtension.class)
class Auth0StandInTest {

  private static final String ISSUER = "https://tenant.example.auth0.com/";
  private static final String NOT_AUTHORIZED =
      "Client is not authorized to access \"https://students-api\". You need to create a \"client-grant\" associated to this API.";

  private MutableClock clock;
  private TestIdp idp;
  private Events events;
  private RunningBroker broker;
  private final AtomicReference<String> behaviour = new AtomicReference<>("ok");

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    clock = MutableClock.atSystemTime();
    idp = TestIdp.start(vertx, clock);
    idp.proxy().override(this::auth0);
    events = new Events();
    JsonObject config = idp.brokerConfig();
    config
        .getJsonObject("idp")
        .put("authMethod", "client_secret_post")
        .put("audienceParameter", "audience");
    config.getJsonArray("tokens").getJsonObject(0).put("scopes", "read:students");
    broker = RunningBroker.deploy(vertx, config, clock, false, events);
  }

  @AfterEach
  void tearDown() throws Exception {
    broker.undeploy();
    idp.close();
  }

  /** What Auth0 answers, as documented and observed. */
  private void auth0(HttpServerRequest req) {
    String body = idp.proxy().recorded().get(idp.proxy().recorded().size() - 1).body();
    MultiMap form = MultiMap.caseInsensitiveMultiMap();
    for (String pair : body.split("&")) {
      String[] kv = pair.split("=", 2);
      form.add(
          URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
          URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
    }
    req.response().putHeader("Content-Type", "application/json");
    if (!TestIdp.CLIENT_SECRET.equals(form.get("client_secret"))
        || !TestIdp.CLIENT_ID.equals(form.get("client_id"))) {
      req.response()
          .setStatusCode(401)
          .end("{\"error\":\"access_denied\",\"error_description\":\"Unauthorized\"}");
      return;
    }
    switch (behaviour.get()) {
      case "not-authorized" ->
          req.response()
              .setStatusCode(403)
              .end(
                  new JsonObject()
                      .put("error", "access_denied")
                      .put("error_description", NOT_AUTHORIZED)
                      .encode());
      case "rate-limited" ->
          req.response()
              .setStatusCode(429)
              .putHeader("Retry-After", "15")
              .end(
                  "{\"error\":\"too_many_requests\",\"error_description\":\"Global limit has been reached\"}");
      default -> {
        long now = clock.millis() / 1000;
        String jwt =
            IdpAnswerTest.jwt(
                new JsonObject()
                    .put("iss", ISSUER)
                    .put("sub", TestIdp.CLIENT_ID + "@clients")
                    .put("aud", form.get("audience"))
                    .put("iat", now)
                    .put("exp", now + 86400)
                    .put("scope", "read:students")
                    .put("gty", "client-credentials")
                    .put("azp", TestIdp.CLIENT_ID));
        req.response()
            .setStatusCode(200)
            .end(
                new JsonObject()
                    .put("access_token", jwt)
                    .put("scope", "read:students")
                    .put("expires_in", 86400)
                    .put("token_type", "Bearer")
                    .encode());
      }
    }
  }

  @Test
  void aTwentyFourHourTokenIsServedAndRefreshedAboutTwiceADay() {
    events.nextRefresh();
    String body = idp.proxy().recorded().get(0).body();
    assertTrue(body.contains("audience=https%3A%2F%2Fstudents-api"), body);
    assertTrue(body.contains("client_secret="), "client_secret_post");
    Answer a = broker.getToken("/v1/token?audience=https://students-api").await();
    assertEquals(200, a.status());
    assertEquals(86_400, a.json().getLong("expires_in"), 1);
    clock.advanceSeconds(38_000); // < 45 % of 24 h
    broker.tickAndSettle();
    assertEquals(1, idp.proxy().tokenRequests());
    clock.advanceSeconds(10_000); // > 55 % of 24 h
    broker.tickAndSettle();
    assertEquals(2, idp.proxy().tokenRequests());
  }

  @Test
  void anApplicationNotAuthorizedForTheApiIsA502WithAuth0sError() {
    events.nextRefresh();
    behaviour.set("not-authorized");
    Answer a =
        broker.getToken("/v1/token?audience=https://students-api&scope=read:students").await();
    // the held token answers first; a key nobody holds shows the refusal
    assertEquals(200, a.status());
    clock.advanceSeconds(50_000);
    broker.tickAndSettle();
    clock.advanceSeconds(40_000);
    broker.tickAndSettle();
    Answer refused = broker.getToken("/v1/token?audience=https://students-api").await();
    assertEquals(502, refused.status());
    assertEquals("access_denied", refused.json().getString("idp_error"));
    assertTrue(
        refused
            .json()
            .getString("error_description")
            .contains("Client is not authorized to access"));
    assertEquals(503, broker.get("/health/ready").status());
  }

  @Test
  void auth0RateLimitingIsHonoured() {
    events.nextRefresh();
    behaviour.set("rate-limited");
    clock.advanceSeconds(48_000);
    broker.tickAndSettle();
    int calls = idp.proxy().tokenRequests();
    for (int i = 0; i < 14; i++) {
      clock.advanceSeconds(1);
      broker.tickAndSettle();
    }
    assertEquals(calls, idp.proxy().tokenRequests(), "nothing before Retry-After: 15");
    behaviour.set("ok");
    clock.advanceSeconds(1);
    broker.tickAndSettle();
    assertEquals(calls + 1, idp.proxy().tokenRequests());
    assertEquals(200, broker.get("/health/ready").status());
  }
}
