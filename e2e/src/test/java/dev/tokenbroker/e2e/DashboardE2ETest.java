package dev.tokenbroker.e2e;

import static dev.tokenbroker.e2e.KeycloakServer.STUDENTS_AUDIENCE;
import static dev.tokenbroker.e2e.KeycloakServer.STUDENTS_SCOPE;
import static dev.tokenbroker.e2e.KeycloakServer.TOKEN_LIFESPAN;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The broker's live dashboard in a real browser: headless Chromium (Debian's {@code chromium},
 * driven over the DevTools protocol by {@link HeadlessChromium}) loads {@code /dashboard} from a
 * broker that holds 15 s tokens from the suite's Keycloak, sees the event stream connect, waits for
 * a refresh and checks that the shown expiry moved forward, that it matches the token the broker
 * now serves, that the breaker shows {@code closed}, and that no token is in the page. A screenshot
 * is saved to {@code target/dashboard.png}.
 *
 * <p>Logs under {@code target/dashboard/}: {@code broker.{yaml,log}}, {@code chromium.log}. Skipped
 * while the broker jar is missing, and outside CI while chromium is missing (with {@code CI=true}
 * that fails instead).
 */
@ExtendWith({DashboardE2ETest.Requirements.class, VertxExtension.class, KeycloakExtension.class})
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class DashboardE2ETest {

  private static final Duration LIVE_DEADLINE = Duration.ofSeconds(30);
  private static final Duration REFRESH_DEADLINE = Duration.ofSeconds(40);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(250);

  /** The broker derives expiry from {@code expires_in} on arrival; the JWT's exp may differ. */
  private static final long EXPIRY_TOLERANCE_SECONDS = 2;

  private static Path chromiumBin;

  /** Runs before Keycloak is resolved, so a skipped run starts nothing. */
  static final class Requirements implements BeforeEachCallback {
    @Override
    public void beforeEach(ExtensionContext context) {
      Apps.requireJars(false);
      chromiumBin = ExternalTool.require("chromium", "chromium");
    }
  }

  /** What the page shows for the students key, read in the page by {@link #READ_PAGE}. */
  private record Shown(
      String conn, String breaker, int rows, String scope, Long expiresAt, String expiresIn) {

    static Shown of(Object value) {
      JsonObject v = (JsonObject) value;
      String at = v.getString("expiresAt");
      return new Shown(
          v.getString("conn"),
          v.getString("breaker"),
          v.getInteger("rows"),
          v.getString("scope"),
          at == null || at.isEmpty() ? null : Long.valueOf(at),
          v.getString("expiresIn"));
    }
  }

  private static final String READ_PAGE =
      """
      (() => {
        const row = [...document.querySelectorAll('#keys tr[data-audience]')]
            .find(r => r.dataset.audience === %s);
        const cell = row ? row.querySelector('td.expires-in') : null;
        const text = (id) => { const e = document.getElementById(id); return e ? e.textContent.trim() : null; };
        return {
          conn: text('conn'),
          breaker: text('breaker'),
          rows: document.querySelectorAll('#keys tr[data-audience]').length,
          scope: row ? row.dataset.scope : null,
          expiresAt: cell ? (cell.dataset.expiresAt ?? null) : null,
          expiresIn: cell ? cell.textContent.trim() : null
        };
      })()
      """
          .formatted(Json.encode(STUDENTS_AUDIENCE));

  @Test
  void dashboardShowsTheRefreshedExpiry(Vertx vertx, KeycloakServer keycloak) throws Exception {
    Path dir = Files.createDirectories(KeycloakExtension.workDir().resolve("dashboard"));
    Path screenshot = KeycloakExtension.workDir().resolve("dashboard.png");
    Files.deleteIfExists(screenshot);
    Apps apps = new Apps(vertx, keycloak, dir);
    long started = System.nanoTime();

    try (ChildJvm broker = apps.startBroker();
        HeadlessChromium chromium =
            HeadlessChromium.launch(chromiumBin, dir.resolve("chromium.log"))) {
      String firstToken = apps.accessToken(broker);
      HeadlessChromium.Session page = chromium.openPage();
      Context context = vertx.getOrCreateContext();
      try {
        page.call("Runtime.enable", new JsonObject());
        page.call("Log.enable", new JsonObject());
        page.call("Page.enable", new JsonObject());
        page.call(
            "Emulation.setDeviceMetricsOverride",
            new JsonObject()
                .put("width", 1280)
                .put("height", 360)
                .put("deviceScaleFactor", 1)
                .put("mobile", false));
        String url = broker.baseUri() + "/dashboard";
        JsonObject navigated = page.call("Page.navigate", new JsonObject().put("url", url));
        assertFalse(navigated.containsKey("errorText"), "navigate " + url + ": " + navigated);

        Shown first =
            Poll.until(
                    vertx,
                    () -> read(context, page),
                    s -> "live".equals(s.conn()) && s.expiresAt() != null,
                    POLL_INTERVAL,
                    LIVE_DEADLINE)
                .await(LIVE_DEADLINE.toSeconds() + 10, SECONDS);
        System.out.printf(
            "dashboard live %d ms after the broker was started: %s%n",
            Duration.ofNanos(System.nanoTime() - started).toMillis(), first);
        assertEquals(1, first.rows(), first.toString());
        assertEquals(STUDENTS_SCOPE, first.scope(), first.toString());
        assertShownExpiry(first);

        Shown refreshed =
            Poll.until(
                    vertx,
                    () -> read(context, page),
                    s -> s.expiresAt() != null && s.expiresAt() > first.expiresAt(),
                    POLL_INTERVAL,
                    REFRESH_DEADLINE)
                .await(REFRESH_DEADLINE.toSeconds() + 10, SECONDS);
        System.out.printf(
            "expiry moved from %d to %d (%s -> %s), %d ms after the broker was started%n",
            first.expiresAt(),
            refreshed.expiresAt(),
            first.expiresIn(),
            refreshed.expiresIn(),
            Duration.ofNanos(System.nanoTime() - started).toMillis());
        assertEquals("closed", refreshed.breaker(), refreshed.toString());
        assertEquals("live", refreshed.conn(), refreshed.toString());
        assertShownExpiry(refreshed);

        // The shown expiry is that of the token the broker serves now (read both until they
        // agree: a further refresh may land between the two reads).
        String[] current = new String[1];
        Shown matching =
            Poll.until(
                    vertx,
                    () ->
                        apps.brokerToken(broker)
                            .compose(
                                reply -> {
                                  current[0] = reply.json().getString("access_token");
                                  return read(context, page);
                                }),
                    s ->
                        s.expiresAt() != null
                            && Math.abs(
                                    s.expiresAt()
                                        - Jwt.decode(current[0]).expiresAt().getEpochSecond())
                                <= EXPIRY_TOLERANCE_SECONDS,
                    POLL_INTERVAL,
                    Duration.ofSeconds(10))
                .await(20, SECONDS);
        assertNotNull(matching);
        assertFalse(firstToken.equals(current[0]), "the broker still serves the first token");

        String html = (String) page.evaluate("document.documentElement.outerHTML").get(30, SECONDS);
        for (String token : List.of(firstToken, current[0])) {
          assertFalse(html.contains(token), "the page contains an access token");
          String signature = token.substring(token.lastIndexOf('.') + 1);
          assertFalse(html.contains(signature), "the page contains a token signature");
        }

        List<JsonObject> exceptions = page.events("Runtime.exceptionThrown");
        page.events("Log.entryAdded")
            .forEach(e -> System.out.println("page log: " + e.getJsonObject("params").encode()));
        assertTrue(exceptions.isEmpty(), "script errors in the page: " + exceptions);

        saveScreenshot(page, screenshot);
      } catch (Exception | Error e) {
        try {
          saveScreenshot(page, screenshot); // the state the page was in when the test failed
        } catch (Exception | Error screenshotFailed) {
          e.addSuppressed(screenshotFailed);
        }
        throw e;
      }
    }
    System.out.printf(
        "dashboard test took %d ms%n", Duration.ofNanos(System.nanoTime() - started).toMillis());
  }

  /**
   * The cell shows {@code N s} with N the seconds left, and the expiry is plausible for 15 s
   * tokens.
   */
  private static void assertShownExpiry(Shown shown) {
    assertTrue(shown.expiresIn() != null && shown.expiresIn().matches("\\d+ s"), shown.toString());
    long now = Instant.now().getEpochSecond();
    long secondsLeft = Long.parseLong(shown.expiresIn().split(" ")[0]);
    assertTrue(secondsLeft >= 0 && secondsLeft <= TOKEN_LIFESPAN.toSeconds(), shown.toString());
    assertTrue(
        shown.expiresAt() >= now - 2 && shown.expiresAt() <= now + TOKEN_LIFESPAN.toSeconds() + 2,
        "data-expires-at " + shown.expiresAt() + " vs now " + now);
  }

  private static Future<Shown> read(Context context, HeadlessChromium.Session page) {
    return Future.fromCompletionStage(page.evaluate(READ_PAGE), context).map(Shown::of);
  }

  private static void saveScreenshot(HeadlessChromium.Session page, Path file) throws Exception {
    JsonObject shot = page.call("Page.captureScreenshot", new JsonObject().put("format", "png"));
    byte[] png = Base64.getDecoder().decode(shot.getString("data"));
    assertTrue(png.length > 8 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "not a PNG");
    Files.write(file, png);
    System.out.println("dashboard screenshot: " + file + " (" + png.length + " bytes)");
  }
}
