package dev.tokenbroker.e2e;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The lab's whole flow in a real browser: mock-oauth2-server (in this JVM, with the demo's {@code
 * deploy/local/mock-idp/config.json}) as IdP, and the broker, students-rs and the caller jars as
 * processes. The broker has one {@code localClients} entry, the caller's; headless Chromium loads
 * the caller's operator page, clicks Run and reads what the page shows: every step {@code ok}, the
 * two students in the table, no token anywhere in the page. Then students-rs is stopped and a
 * second run must show the token step ok and the students step failed. Screenshots: {@code
 * target/operator-page.png} (the successful run) and {@code target/operator-page-error.png}.
 *
 * <p>Logs under {@code target/operator-page/}. Skipped while a jar is missing, and outside CI while
 * chromium is missing (with {@code CI=true} both fail instead).
 */
@ExtendWith({OperatorPageE2ETest.Requirements.class, VertxExtension.class})
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class OperatorPageE2ETest {

  static final Path CALLER_JAR = Path.of(System.getProperty("caller.jar", "(caller.jar not set)"));
  static final String AUDIENCE = "https://students-api";
  static final String SCOPE = "read:students";
  static final String CALLER_ID = "lab-caller";
  private static final Duration STEP = Duration.ofSeconds(30);
  private static final Duration POLL = Duration.ofMillis(200);

  private static Path chromiumBin;

  /** Runs first, so a skipped run starts nothing. */
  static final class Requirements implements BeforeEachCallback {
    @Override
    public void beforeEach(ExtensionContext context) {
      Apps.requireJars(true);
      Prerequisites.jar("caller", CALLER_JAR);
      chromiumBin = ExternalTool.require("chromium", "chromium");
    }
  }

  /** What the page shows, read in the page by {@link #READ_PAGE}. */
  record Shown(int runs, Map<String, Object> steps, List<Object> rows, String text) {
    static Shown of(Object value) {
      JsonObject v = (JsonObject) value;
      return new Shown(
          Integer.parseInt(v.getString("runs")),
          v.getJsonObject("steps").getMap(),
          v.getJsonArray("rows").getList(),
          v.getString("text"));
    }

    String status(String step) {
      return String.valueOf(steps.get(step));
    }
  }

  private static final String READ_PAGE =
      """
      (() => {
        const steps = {};
        document.querySelectorAll('.step').forEach(s => { steps[s.dataset.step] = s.dataset.status; });
        const rows = [...document.querySelectorAll('#students tbody tr')]
            .map(tr => [...tr.querySelectorAll('td')].map(td => td.textContent));
        return { runs: document.body.dataset.runs || '0', steps, rows,
                 text: document.querySelector('main').innerText };
      })()
      """;

  @Test
  void theOperatorRunsTheFlowAndSeesEachStep(Vertx vertx) throws Exception {
    Path work = Path.of(System.getProperty("e2e.work.dir", "target"));
    Path dir = Files.createDirectories(work.resolve("operator-page"));
    Path screenshot = work.resolve("operator-page.png");
    Files.deleteIfExists(screenshot);
    String brokerSecret = randomSecret();
    String callerSecret = randomSecret();
    WebClient http = WebClient.create(vertx);

    MockOAuth2Server idp =
        new MockOAuth2Server(
            OAuth2Config.Companion.fromJson(
                Files.readString(Path.of(System.getProperty("mock.idp.config")))));
    idp.start(InetAddress.getLoopbackAddress(), freePort());
    try {
      String issuer = idp.issuerUrl("default").toString().replaceAll("/$", "");
      Path brokerYaml =
          Files.write(
              dir.resolve("broker.yaml"),
              List.of(
                  "http: {host: 127.0.0.1, port: 0}",
                  "idp:",
                  "  issuer: \"" + issuer + "\"",
                  "  clientId: demo-broker",
                  "  clientSecret: \"${TOKEN_BROKER_CLIENT_SECRET}\"",
                  "  authMethod: client_secret_basic",
                  "  audienceParameter: audience",
                  "eventBus: {tcpBridge: {enabled: false}}",
                  "tokens:",
                  "  - audience: \"" + AUDIENCE + "\"",
                  "    scopes: [\"" + SCOPE + "\"]",
                  "    prefetch: true",
                  "localClients:",
                  "  - clientId: " + CALLER_ID,
                  "    clientSecret: \"${CALLER_CLIENT_SECRET}\"",
                  "    allow:",
                  "      - audience: \"" + AUDIENCE + "\"",
                  "        scopes: [\"" + SCOPE + "\"]"));
      Path studentsYaml =
          Files.write(
              dir.resolve("students-rs.yaml"),
              List.of(
                  "http: {host: 127.0.0.1, port: 0}",
                  "issuer: \"" + issuer + "\"",
                  "audience: \"" + AUDIENCE + "\""));
      try (ChildJvm broker =
              ChildJvm.start(
                  "broker",
                  Apps.BROKER_JAR,
                  brokerYaml,
                  Map.of(
                      "TOKEN_BROKER_CLIENT_SECRET", brokerSecret,
                      "CALLER_CLIENT_SECRET", callerSecret),
                  dir.resolve("broker.log"));
          ChildJvm students =
              ChildJvm.start(
                  "students-rs",
                  Apps.STUDENTS_JAR,
                  studentsYaml,
                  Map.of(),
                  dir.resolve("students-rs.log"))) {
        awaitReady(vertx, http, broker);
        awaitReady(vertx, http, students);
        Path callerYaml =
            Files.write(
                dir.resolve("caller.yaml"),
                List.of(
                    "http: {host: 127.0.0.1, port: 0}",
                    "broker:",
                    "  url: \"" + broker.baseUri() + "\"",
                    "  clientId: " + CALLER_ID,
                    "  clientSecret: \"${CALLER_CLIENT_SECRET}\"",
                    "audience: \"" + AUDIENCE + "\"",
                    "scopes: [\"" + SCOPE + "\"]",
                    "students:",
                    "  url: \"" + students.baseUri() + "/students\""));
        try (ChildJvm caller =
                ChildJvm.start(
                    "caller",
                    CALLER_JAR,
                    callerYaml,
                    Map.of("CALLER_CLIENT_SECRET", callerSecret),
                    dir.resolve("caller.log"));
            HeadlessChromium chromium =
                HeadlessChromium.launch(chromiumBin, dir.resolve("chromium.log"))) {
          awaitReady(vertx, http, caller);
          HeadlessChromium.Session page = chromium.openPage();
          Context context = vertx.getOrCreateContext();
          page.call("Runtime.enable", new JsonObject());
          page.call("Page.enable", new JsonObject());
          page.call(
              "Emulation.setDeviceMetricsOverride",
              new JsonObject()
                  .put("width", 900)
                  .put("height", 880)
                  .put("deviceScaleFactor", 1)
                  .put("mobile", false));
          String url = caller.baseUri() + "/";
          JsonObject navigated = page.call("Page.navigate", new JsonObject().put("url", url));
          assertFalse(navigated.containsKey("errorText"), "navigate " + url + ": " + navigated);
          try {
            Poll.until(vertx, () -> read(context, page), s -> true, POLL, STEP)
                .await(STEP.toSeconds(), SECONDS);

            clickRun(page);
            Shown ok = awaitRuns(vertx, context, page, 1);
            System.out.println("operator page after the run: " + ok);
            for (String step : List.of("run", "token", "obtained", "students", "result")) {
              assertEquals("ok", ok.status(step), step + ": " + ok);
            }
            assertEquals(List.of(List.of("1", "Ada"), List.of("2", "Alan")), rows(ok), ok.text());
            assertTrue(ok.text().contains("POST " + broker.baseUri() + "/oauth/token"), ok.text());
            assertTrue(ok.text().contains("not shown"), ok.text());

            // The broker serves one cached token for the key: the one the caller used. It is
            // nowhere in the page, nor its signature.
            String token =
                http.getAbs(
                        broker.baseUri()
                            + "/v1/token?audience=https%3A%2F%2Fstudents-api&scope=read%3Astudents")
                    .putHeader("Token-Broker-Request", "true")
                    .send()
                    .await()
                    .bodyAsJsonObject()
                    .getString("access_token");
            String html =
                (String) page.evaluate("document.documentElement.outerHTML").get(30, SECONDS);
            assertFalse(html.contains(token), "the page contains the access token");
            assertFalse(html.contains(token.substring(token.lastIndexOf('.') + 1)), "signature");
            assertTrue(
                page.events("Runtime.exceptionThrown").isEmpty(),
                "script errors: " + page.events("Runtime.exceptionThrown"));
            saveScreenshot(page, screenshot);

            // students-rs goes away: the token step still succeeds, the students step fails.
            students.close();
            clickRun(page);
            Shown failed = awaitRuns(vertx, context, page, 2);
            System.out.println("operator page with students-rs stopped: " + failed);
            assertEquals("error", failed.status("run"), failed.toString());
            assertEquals("ok", failed.status("token"), failed.toString());
            assertEquals("error", failed.status("students"), failed.toString());
            assertEquals("skipped", failed.status("result"), failed.toString());
            assertTrue(failed.rows().isEmpty(), failed.toString());
            assertTrue(failed.text().contains("students_unreachable"), failed.text());
            saveScreenshot(page, work.resolve("operator-page-error.png"));
          } catch (Exception | Error e) {
            try {
              saveScreenshot(page, work.resolve("operator-page-failure.png"));
            } catch (Exception | Error shotFailed) {
              e.addSuppressed(shotFailed);
            }
            throw e;
          }
        }
      }
    } finally {
      idp.shutdown();
    }
  }

  @SuppressWarnings("unchecked")
  private static List<List<String>> rows(Shown shown) {
    return shown.rows().stream().map(r -> (List<String>) (List<?>) toList(r)).toList();
  }

  private static List<?> toList(Object row) {
    return row instanceof JsonArray a ? a.getList() : (List<?>) row;
  }

  /** A real mouse click in the middle of the Run button. */
  private static void clickRun(HeadlessChromium.Session page) throws Exception {
    JsonObject box =
        (JsonObject)
            page.evaluate(
                    "(() => { const r = document.getElementById('run').getBoundingClientRect();"
                        + " return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()")
                .get(30, SECONDS);
    for (String type : List.of("mousePressed", "mouseReleased")) {
      page.call(
          "Input.dispatchMouseEvent",
          new JsonObject()
              .put("type", type)
              .put("x", box.getDouble("x"))
              .put("y", box.getDouble("y"))
              .put("button", "left")
              .put("clickCount", 1));
    }
  }

  private static Shown awaitRuns(
      Vertx vertx, Context context, HeadlessChromium.Session page, int runs) throws Exception {
    return Poll.until(vertx, () -> read(context, page), s -> s.runs() >= runs, POLL, STEP)
        .await(STEP.toSeconds() + 10, SECONDS);
  }

  private static Future<Shown> read(Context context, HeadlessChromium.Session page) {
    return Future.fromCompletionStage(page.evaluate(READ_PAGE), context).map(Shown::of);
  }

  private static void awaitReady(Vertx vertx, WebClient http, ChildJvm server) throws Exception {
    Poll.until(
            vertx,
            () ->
                http.getAbs(server.baseUri() + "/health/ready")
                    .timeout(5000)
                    .send()
                    .map(r -> r.statusCode()),
            status -> status == 200,
            POLL,
            STEP)
        .await(STEP.toSeconds() * 2, SECONDS);
  }

  private static void saveScreenshot(HeadlessChromium.Session page, Path file) throws Exception {
    JsonObject shot = page.call("Page.captureScreenshot", new JsonObject().put("format", "png"));
    byte[] png = Base64.getDecoder().decode(shot.getString("data"));
    assertTrue(png.length > 8 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "not a PNG");
    Files.write(file, png);
    System.out.println("operator page screenshot: " + file + " (" + png.length + " bytes)");
  }

  private static String randomSecret() {
    byte[] b = new byte[18];
    new java.security.SecureRandom().nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
