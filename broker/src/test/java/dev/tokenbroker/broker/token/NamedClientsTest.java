package dev.tokenbroker.broker.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.api.eventbus.EventBusApi;
import dev.tokenbroker.broker.testing.Events;
import dev.tokenbroker.broker.testing.FaultProxy.Mode;
import dev.tokenbroker.broker.testing.FaultProxy.Recorded;
import dev.tokenbroker.broker.testing.RunningBroker;
import dev.tokenbroker.broker.testing.RunningBroker.Answer;
import dev.tokenbroker.broker.testing.TestIdp;
import dev.tokenbroker.testing.MutableClock;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One broker, two named clients at two IdPs (two embedded mock-oauth2-servers, each behind its own
 * {@code FaultProxy}), authenticated differently: {@code students} with client_secret_basic, {@code
 * grades} with client_secret_post. {@code https://shared-api} is listed under both.
 */
@ExtendWith(VertxExtension.class)
class NamedClientsTest {

  private static final String STUDENTS_ID = "svc:students";
  private static final String STUDENTS_SECRET = "students s3cret&=%+";
  private static final String GRADES_ID = "svc:grades";
  private static final String GRADES_SECRET = "grades-s3cret/+=?";
  private static final String STUDENTS_API = "https://students-api";
  private static final String GRADES_API = "https://grades-api";
  private static final String SHARED_API = "https://shared-api";

  private MutableClock clock;
  private TestIdp students;
  private TestIdp grades;
  private Events events;
  private RunningBroker broker;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    clock = MutableClock.atSystemTime();
    students = TestIdp.start(vertx, clock).tokenLifetimeSeconds(100);
    grades = TestIdp.start(vertx, clock).tokenLifetimeSeconds(100);
    students.warmUp();
    grades.warmUp();
    clock.advanceMillis(System.currentTimeMillis() - clock.millis());
    events = new Events();
    broker = RunningBroker.deploy(vertx, config(), clock, false, events);
    for (int i = 0; i < 4; i++) {
      events.nextRefresh();
    }
  }

  @AfterEach
  void tearDown() throws Exception {
    if (broker != null) {
      broker.undeploy();
    }
    students.close();
    grades.close();
  }

  private JsonObject config() {
    return new JsonObject()
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0))
        .put(
            "clients",
            new JsonObject()
                .put(
                    "students",
                    client(students, STUDENTS_ID, STUDENTS_SECRET, "client_secret_basic"))
                .put("grades", client(grades, GRADES_ID, GRADES_SECRET, "client_secret_post")))
        .put("eventBus", new JsonObject().put("tcpBridge", new JsonObject().put("enabled", false)))
        .put(
            "tokens",
            new JsonArray()
                .add(entry("students", STUDENTS_API, "read:students"))
                .add(entry("grades", GRADES_API, "read:grades"))
                .add(entry("students", SHARED_API, "read:shared"))
                .add(entry("grades", SHARED_API, "read:shared")))
        .put(
            "retry",
            new JsonObject()
                .put("minBackoffMillis", 1000)
                .put("maxBackoffMillis", 60_000)
                .put("breakerFailureThreshold", 3)
                .put("breakerResetMillis", 400));
  }

  private static JsonObject client(TestIdp idp, String id, String secret, String method) {
    return new JsonObject()
        .put("tokenEndpoint", idp.tokenEndpoint())
        .put("clientId", id)
        .put("clientSecret", secret)
        .put("authMethod", method)
        .put("requestTimeoutMillis", 1_500);
  }

  private static JsonObject entry(String client, String audience, String scope) {
    return new JsonObject()
        .put("audience", audience)
        .put("scopes", new JsonArray().add(scope))
        .put("client", client);
  }

  private static JsonObject claims(String jwt) {
    return new JsonObject(
        new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]), StandardCharsets.UTF_8));
  }

  private String subjectOf(String uri) {
    Answer a = broker.getToken(uri).await();
    assertEquals(200, a.status(), a.body().toString());
    return claims(a.json().getString("access_token")).getString("sub");
  }

  private static Map<String, String> form(String body) {
    Map<String, String> out = new HashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      out.put(
          URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return out;
  }

  private static void assertNoSecret(String text) {
    assertFalse(text.contains(STUDENTS_SECRET), text);
    assertFalse(text.contains(GRADES_SECRET), text);
    assertFalse(text.contains("eyJ"), text);
  }

  @Test
  void oneBrokerServesTwoAudiencesThroughTwoDifferentlyAuthenticatedClients() {
    assertEquals(STUDENTS_ID, subjectOf("/v1/token?audience=" + STUDENTS_API));
    assertEquals(GRADES_ID, subjectOf("/v1/token?audience=" + GRADES_API));

    // Each IdP saw its own client's two prefetches, and only its client's credentials.
    List<Recorded> atStudents = students.proxy().recorded();
    assertEquals(2, atStudents.size());
    for (Recorded r : atStudents) {
      String basic = r.headers().get("Authorization");
      assertTrue(basic != null && basic.startsWith("Basic "), String.valueOf(basic));
      String[] pair =
          new String(Base64.getDecoder().decode(basic.substring(6)), StandardCharsets.UTF_8)
              .split(":", 2);
      assertEquals(STUDENTS_ID, URLDecoder.decode(pair[0], StandardCharsets.UTF_8));
      assertEquals(STUDENTS_SECRET, URLDecoder.decode(pair[1], StandardCharsets.UTF_8));
      Map<String, String> f = form(r.body());
      assertNull(f.get("client_secret"), "basic: no secret in the body");
      assertFalse(r.body().contains("grades"), r.body());
    }
    List<Recorded> atGrades = grades.proxy().recorded();
    assertEquals(2, atGrades.size());
    for (Recorded r : atGrades) {
      assertNull(r.headers().get("Authorization"), "post: no Authorization header");
      Map<String, String> f = form(r.body());
      assertEquals(GRADES_ID, f.get("client_id"));
      assertEquals(GRADES_SECRET, f.get("client_secret"));
      assertFalse(r.body().contains("students"), r.body());
      assertFalse(
          r.body().contains(java.net.URLEncoder.encode(STUDENTS_SECRET, StandardCharsets.UTF_8)));
    }
    assertEquals(
        List.of(SHARED_API, STUDENTS_API),
        atStudents.stream().map(r -> form(r.body()).get("audience")).sorted().toList());
    assertEquals(
        List.of(GRADES_API, SHARED_API),
        atGrades.stream().map(r -> form(r.body()).get("audience")).sorted().toList());

    // Readiness names the client of every key.
    JsonObject ready = broker.get("/health/ready").json();
    assertEquals("UP", ready.getString("status"));
    assertEquals(
        new JsonObject().put("students", "closed").put("grades", "closed"),
        ready.getJsonObject("breakers"));
    Map<String, List<String>> clientsByAudience = new HashMap<>();
    for (Object o : ready.getJsonArray("keys")) {
      JsonObject k = (JsonObject) o;
      clientsByAudience
          .computeIfAbsent(k.getString("audience"), a -> new java.util.ArrayList<>())
          .add(k.getString("client"));
    }
    assertEquals(List.of("students"), clientsByAudience.get(STUDENTS_API));
    assertEquals(List.of("grades"), clientsByAudience.get(GRADES_API));
    assertEquals(
        List.of("grades", "students"),
        clientsByAudience.get(SHARED_API).stream().sorted().toList());
  }

  @Test
  void theSameAudienceUnderTwoClientsNeedsTheClientParameter() {
    int callsBefore = students.proxy().tokenRequests() + grades.proxy().tokenRequests();
    for (int i = 0; i < 2; i++) { // twice: the refusal is not remembered as a key
      Answer ambiguous = broker.getToken("/v1/token?audience=" + SHARED_API).await();
      assertEquals(400, ambiguous.status());
      assertEquals("invalid_request", ambiguous.json().getString("error"));
      String description = ambiguous.json().getString("error_description");
      assertTrue(description.contains("(students, grades)"), description);
      assertTrue(description.contains("client"), description);
      assertFalse(description.contains(STUDENTS_ID) || description.contains(GRADES_ID));
      assertNoSecret(ambiguous.body().toString());
    }
    assertEquals(
        400,
        broker.getToken("/v1/token?audience=" + SHARED_API + "&scope=read:shared").await().status(),
        "the scope matches both entries too");

    Answer viaGrades =
        broker.getToken("/v1/token?audience=" + SHARED_API + "&client=grades").await();
    Answer viaStudents =
        broker
            .getToken("/v1/token?client=students&audience=" + SHARED_API + "&scope=read:shared")
            .await();
    assertEquals(200, viaGrades.status());
    assertEquals(200, viaStudents.status());
    JsonObject g = claims(viaGrades.json().getString("access_token"));
    JsonObject s = claims(viaStudents.json().getString("access_token"));
    assertEquals(GRADES_ID, g.getString("sub"));
    assertEquals(STUDENTS_ID, s.getString("sub"));
    assertEquals(SHARED_API, g.getString("aud"));
    assertNotEquals(g.getString("iss"), s.getString("iss"), "two IdPs");
    assertEquals(
        callsBefore,
        students.proxy().tokenRequests() + grades.proxy().tokenRequests(),
        "both served from the cache, prefetched by their own clients");

    // A client that matches no entry is refused like any other request the policy does not allow.
    Answer unknown = broker.getToken("/v1/token?audience=" + SHARED_API + "&client=nobody").await();
    assertEquals(403, unknown.status());
    assertEquals("access_denied", unknown.json().getString("error"));
    Answer wrongClient =
        broker.getToken("/v1/token?audience=" + STUDENTS_API + "&client=grades").await();
    assertEquals(403, wrongClient.status());
    assertEquals(
        "this audience is not allowed for client grades",
        wrongClient.json().getString("error_description"));
    assertEquals(
        400,
        broker
            .getToken("/v1/token?audience=" + SHARED_API + "&client=not%20a%20name")
            .await()
            .status());
    assertEquals(
        400,
        broker
            .getToken("/v1/token?audience=" + SHARED_API + "&client=grades&client=students")
            .await()
            .status());
  }

  @Test
  void oneClientsIdpDownOpensOnlyItsBreakerAndTheOtherKeepsServing(Vertx vertx) {
    students.proxy().mode(Mode.ERROR_500);
    students.proxy().reset();
    grades.proxy().reset();
    clock.advanceSeconds(56); // every key is past its refresh point
    broker.tickAndSettle(); // 2 students failures, 2 grades refreshes
    clock.advanceSeconds(10);
    broker.tickAndSettle(); // 2 more students failures: threshold 3 reached
    assertEquals(4, students.proxy().tokenRequests());
    assertEquals(2, grades.proxy().tokenRequests(), "grades refreshed once per key, no retries");

    JsonObject ready = broker.get("/health/ready").json();
    assertEquals("open", ready.getJsonObject("breakers").getString("students"));
    assertEquals("closed", ready.getJsonObject("breakers").getString("grades"));
    assertEquals("open", ready.getString("breaker"), "the summary is the worst state");

    // grades keeps refreshing and serving while students' breaker is open.
    clock.advanceSeconds(56);
    broker.tickAndSettle();
    assertEquals(4, grades.proxy().tokenRequests(), "grades refreshed both keys again");
    assertEquals(5, students.proxy().tokenRequests(), "one probe; the breaker holds the other");
    assertEquals(
        "open", broker.get("/health/ready").json().getJsonObject("breakers").getString("students"));
    assertEquals(GRADES_ID, subjectOf("/v1/token?audience=" + GRADES_API));
    assertEquals(GRADES_ID, subjectOf("/v1/token?audience=" + SHARED_API + "&client=grades"));
    assertEquals(
        "closed", broker.get("/health/ready").json().getJsonObject("breakers").getString("grades"));

    String scrape = broker.get("/metrics").body().toString();
    assertEquals(
        1, value(scrape, "token_broker_circuit_breaker_state{client=\"students\",state=\"open\"}"));
    assertEquals(
        1, value(scrape, "token_broker_circuit_breaker_state{client=\"grades\",state=\"closed\"}"));
    assertEquals(
        0, value(scrape, "token_broker_circuit_breaker_state{client=\"grades\",state=\"open\"}"));
    assertEquals(
        6,
        value(
            scrape,
            "token_broker_idp_requests_total{client=\"grades\",outcome=\"success\",status=\"200\"}"),
        "2 prefetches and 2 x 2 refreshes");
    assertEquals(
        3,
        value(
            scrape,
            "token_broker_refreshes_total{audience=\"https://grades-api\",client=\"grades\",outcome=\"success\",scope=\"read:grades\"}"));
    assertEquals(
        5,
        sum(
            scrape,
            "token_broker_idp_requests_total\\{client=\"students\",outcome=\"[a-z_]+\",status=\"500\"\\}"),
        "every 500 the students IdP answered, under its client");
    assertTrue(
        value(
                scrape,
                "token_broker_refreshes_total{audience=\"https://shared-api\",client=\"students\",outcome=\"failure\",scope=\"read:shared\"}")
            >= 2);
    assertTrue(
        value(scrape, "token_broker_idp_request_duration_seconds_count{client=\"grades\"}") >= 6);
    assertTrue(
        value(
                scrape,
                "token_broker_token_expiry_seconds{audience=\"https://grades-api\",client=\"grades\",scope=\"read:grades\"}")
            > 0);
    assertNoSecret(scrape);

    // The dashboard's snapshot carries the client of each key and each client's breaker.
    JsonObject snapshot = firstDashboardSnapshot(vertx);
    assertEquals("open", snapshot.getJsonObject("breakers").getString("students"));
    assertEquals(4, snapshot.getJsonArray("keys").size());
    for (Object o : snapshot.getJsonArray("keys")) {
      JsonObject k = (JsonObject) o;
      assertTrue(List.of("students", "grades").contains(k.getString("client")), k.encode());
    }
  }

  private JsonObject firstDashboardSnapshot(Vertx vertx) {
    HttpClient http = vertx.createHttpClient();
    try {
      String event =
          http.request(
                  new RequestOptions()
                      .setMethod(HttpMethod.GET)
                      .setHost("127.0.0.1")
                      .setPort(broker.port())
                      .setURI("/dashboard/events"))
              .compose(r -> r.send())
              .compose(NamedClientsTest::firstEvent)
              .await();
      return new JsonObject(event.substring(event.indexOf("data: ") + 6).trim());
    } finally {
      http.close().await();
    }
  }

  private static io.vertx.core.Future<String> firstEvent(HttpClientResponse resp) {
    io.vertx.core.Promise<String> first = io.vertx.core.Promise.promise();
    Buffer seen = Buffer.buffer();
    resp.handler(
        b -> {
          seen.appendBuffer(b);
          String text = seen.toString();
          if (text.contains("\n\n")) {
            first.tryComplete(text.substring(0, text.indexOf("\n\n")));
            resp.request().connection().close();
          }
        });
    return first.future();
  }

  @Test
  void theEventBusAndInvalidationTakeTheClientToo(Vertx vertx) {
    ReplyException ambiguous =
        assertThrows(
            ReplyException.class,
            () ->
                vertx
                    .eventBus()
                    .request(EventBusApi.TOKEN, new JsonObject().put("audience", SHARED_API))
                    .await());
    assertEquals(400, ambiguous.failureCode());
    assertTrue(ambiguous.getMessage().contains("(students, grades)"), ambiguous.getMessage());
    assertNoSecret(ambiguous.getMessage());

    JsonObject viaGrades =
        vertx
            .eventBus()
            .<JsonObject>request(
                EventBusApi.TOKEN,
                new JsonObject().put("audience", SHARED_API).put("client", "grades"))
            .await()
            .body();
    String gradesToken = viaGrades.getString("access_token");
    assertEquals(GRADES_ID, claims(gradesToken).getString("sub"));
    ReplyException notAString =
        assertThrows(
            ReplyException.class,
            () ->
                vertx
                    .eventBus()
                    .request(
                        EventBusApi.TOKEN,
                        new JsonObject().put("audience", SHARED_API).put("client", 7))
                    .await());
    assertEquals(400, notAString.failureCode());

    // The rejected token is reported with its client; without it the report is ambiguous.
    JsonObject report =
        new JsonObject().put("audience", SHARED_API).put("access_token", gradesToken);
    assertEquals(400, invalidate("", report).status());
    int gradesBefore = grades.proxy().tokenRequests();
    int studentsBefore = students.proxy().tokenRequests();
    Answer viaBody = invalidate("", report.copy().put("client", "grades"));
    assertEquals(202, viaBody.status());
    assertEquals("invalidated", viaBody.json().getString("result"));
    broker.settle();
    assertEquals(gradesBefore + 1, grades.proxy().tokenRequests(), "one refresh, at grades' IdP");
    assertEquals(studentsBefore, students.proxy().tokenRequests());
    // The query parameter works as well; the students token is not the reported one.
    Answer viaQuery = invalidate("?client=students", report);
    assertEquals(202, viaQuery.status());
    assertEquals("not_current", viaQuery.json().getString("result"));
    assertEquals(
        400, invalidate("?client=students", report.copy().put("client", "grades")).status());
  }

  private Answer invalidate(String query, JsonObject body) {
    return broker
        .send(
            new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setURI("/v1/token/invalidate" + query)
                .putHeader("Content-Type", "application/json")
                .putHeader("Token-Broker-Request", "true"),
            body.toBuffer())
        .await();
  }

  private static double value(String scrape, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
    if (!m.find()) {
      throw new AssertionError("no series " + series + " in\n" + scrape);
    }
    return Double.parseDouble(m.group(1));
  }

  private static double sum(String scrape, String seriesPattern) {
    Matcher m = Pattern.compile("(?m)^" + seriesPattern + " (\\S+)$").matcher(scrape);
    double total = 0;
    while (m.find()) {
      total += Double.parseDouble(m.group(1));
    }
    return total;
  }
}
