package dev.tokenbroker.e2e;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.testing.ChildProcess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The shipped Prometheus setup against the real processes: the broker and students-rs jars (with
 * the suite's Keycloak) serve some traffic, a real Prometheus (Debian's {@code prometheus}) runs
 * {@code deploy/observability/prometheus.yml} with the targets pointed at their ports and a 1 s
 * scrape interval, and its HTTP API must show every series the alerts and the Grafana dashboard
 * use, both targets up, and the alert groups of {@code alerts.yml} loaded and evaluating. {@code
 * promtool} checks the rules and runs their unit tests.
 *
 * <p>Files under {@code target/observability/}: the derived {@code prometheus.yml} with {@code
 * alerts.yml} beside it, and {@code {prometheus,broker,students-rs}.log}. Prometheus' database
 * lives in a temporary directory that is deleted afterwards. Skipped while a jar is missing, and
 * outside CI while prometheus or promtool is missing (with {@code CI=true} that fails instead).
 */
@ExtendWith({
  ObservabilityE2ETest.Requirements.class,
  VertxExtension.class,
  KeycloakExtension.class
})
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ObservabilityE2ETest {

  private static final Path OBSERVABILITY_DIR =
      Path.of(System.getProperty("observability.dir", "../deploy/observability"))
          .toAbsolutePath()
          .normalize();
  private static final Duration SCRAPE_DEADLINE = Duration.ofSeconds(30);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(500);
  private static final Duration STOP_GRACE = Duration.ofSeconds(10);

  /** Each must return at least one sample. */
  private static final List<String> QUERIES =
      List.of(
          "up{job=\"token-broker\"} == 1",
          "up{job=\"students-rs\"} == 1",
          "token_broker_token_requests_total",
          "token_broker_idp_requests_total",
          "token_broker_token_expiry_seconds",
          "token_broker_refreshes_total",
          "token_broker_circuit_breaker_state{state=\"closed\"} == 1",
          "students_rs_requests_total",
          "students_rs_token_validation_failures_total",
          "students_rs_jwks_fetches_total",
          // Several counters are registered at 0 for every label value up front, so being there
          // proves little: these show that the test's own traffic was counted.
          "sum(token_broker_token_requests_total{api=\"http\"}) >= 1",
          "token_broker_idp_requests_total{outcome=\"success\"} >= 1",
          "token_broker_refreshes_total{outcome=\"success\"} >= 1",
          "token_broker_token_expiry_seconds > 0",
          "students_rs_requests_total{status=\"200\"} >= 1",
          "students_rs_requests_total{status=\"401\"} >= 1",
          "sum(students_rs_token_validation_failures_total) >= 1",
          "students_rs_jwks_fetches_total{outcome=\"success\"} >= 1");

  private static Path prometheusBin;
  private static Path promtoolBin;

  /**
   * Runs before the parameters of the test are resolved, so a skipped run starts no Keycloak.
   * Checks the jars and the Debian tools (see {@link ExternalTool}).
   */
  static final class Requirements implements BeforeEachCallback {
    @Override
    public void beforeEach(ExtensionContext context) {
      Apps.requireJars(true);
      prometheusBin = ExternalTool.require("prometheus", "prometheus");
      promtoolBin = ExternalTool.require("promtool", "prometheus");
    }
  }

  @Test
  void prometheusScrapesBrokerAndStudentsRsAndLoadsTheAlertRules(
      Vertx vertx, KeycloakServer keycloak) throws Exception {
    Path dir = Files.createDirectories(KeycloakExtension.workDir().resolve("observability"));
    Apps apps = new Apps(vertx, keycloak, dir);
    long started = System.nanoTime();

    try (ChildJvm students = apps.startStudents();
        ChildJvm broker = apps.startBroker()) {
      // Traffic that makes every counter of the list exist (micrometer registers a labelled
      // counter on first use): a token from the broker, one good and one refused students call.
      String token = apps.accessToken(broker);
      Apps.Reply ok = apps.listStudents(students, token).await(Apps.STEP.toSeconds(), SECONDS);
      assertEquals(200, ok.status(), ok.body());
      Apps.Reply refused =
          apps.listStudents(students, "not-a-jwt").await(Apps.STEP.toSeconds(), SECONDS);
      assertEquals(401, refused.status(), refused.body());

      Path config = writePrometheusConfig(dir, broker.port(), students.port());
      runTool(
          dir,
          "promtool-check-config",
          promtoolBin.toString(),
          "check",
          "config",
          config.toString());

      Path storage = Files.createTempDirectory("e2e-prometheus-tsdb");
      int port = KeycloakServer.freePort();
      String base = "http://127.0.0.1:" + port;
      try (ChildProcess running =
          ChildProcess.command(
                  "prometheus",
                  List.of(
                      prometheusBin.toString(),
                      "--config.file=" + config,
                      "--storage.tsdb.path=" + storage,
                      "--web.listen-address=127.0.0.1:" + port,
                      "--web.enable-lifecycle"))
              .directory(dir)
              .log(dir.resolve("prometheus.log"))
              .closeGrace(STOP_GRACE)
              .start()) {
        Poll.until(
                vertx,
                () -> aliveOrFail(running, dir).compose(v -> apps.get(base + "/-/ready")),
                r -> r.status() == 200,
                POLL_INTERVAL,
                SCRAPE_DEADLINE)
            .await(SCRAPE_DEADLINE.toSeconds() * 2, SECONDS);
        System.out.printf(
            "Prometheus ready at %s, %d ms after the jars were started%n",
            base, Duration.ofNanos(System.nanoTime() - started).toMillis());

        Map<String, JsonArray> results;
        try {
          results =
              Poll.until(
                      vertx,
                      () -> aliveOrFail(running, dir).compose(v -> queryAll(apps, base)),
                      found -> found.values().stream().noneMatch(JsonArray::isEmpty),
                      POLL_INTERVAL,
                      SCRAPE_DEADLINE)
                  .await(SCRAPE_DEADLINE.toSeconds() * 2, SECONDS);
        } catch (Exception e) {
          throw new AssertionError(e.getMessage() + "; targets: " + targets(apps, base), e);
        }
        results.forEach(
            (query, result) -> System.out.printf("  %-58s %d series%n", query, result.size()));

        Set<String> groups = alertGroupNames();
        assertFalse(groups.isEmpty(), "no groups found in alerts.yml");
        JsonArray loaded =
            Poll.until(
                    vertx,
                    () -> aliveOrFail(running, dir).compose(v -> rules(apps, base)),
                    g -> allEvaluatedOk(g, groups),
                    POLL_INTERVAL,
                    SCRAPE_DEADLINE)
                .await(SCRAPE_DEADLINE.toSeconds() * 2, SECONDS);
        for (Object g : loaded) {
          JsonObject group = (JsonObject) g;
          for (Object r : group.getJsonArray("rules")) {
            JsonObject rule = (JsonObject) r;
            System.out.printf(
                "  rule %s/%s: health=%s state=%s%n",
                group.getString("name"),
                rule.getString("name"),
                rule.getString("health"),
                rule.getString("state"));
          }
        }
      } finally {
        deleteTree(storage);
      }
    }

    runTool(
        OBSERVABILITY_DIR,
        "promtool-check-rules",
        promtoolBin.toString(),
        "check",
        "rules",
        "alerts.yml");
    runTool(
        OBSERVABILITY_DIR,
        "promtool-test-rules",
        promtoolBin.toString(),
        "test",
        "rules",
        "alerts_test.yml");
    System.out.printf(
        "observability test took %d ms%n",
        Duration.ofNanos(System.nanoTime() - started).toMillis());
  }

  /**
   * {@code deploy/observability/prometheus.yml} with each job's target pointed at the port the
   * process really listens on and every interval set to 1 s; {@code alerts.yml} copied beside it.
   * Fails if the shipped file no longer names the default targets, rather than scraping nothing.
   */
  private static Path writePrometheusConfig(Path dir, int brokerPort, int studentsPort)
      throws IOException {
    String shipped = Files.readString(OBSERVABILITY_DIR.resolve("prometheus.yml"));
    String derived = replaceOnce(shipped, "\"127.0.0.1:4004\"", "\"127.0.0.1:" + brokerPort + "\"");
    derived = replaceOnce(derived, "\"127.0.0.1:4006\"", "\"127.0.0.1:" + studentsPort + "\"");
    derived =
        derived
            .replaceAll("(?m)^(\\s*(?:scrape_interval|evaluation_interval)):\\s*\\S+", "$1: 1s")
            .replaceAll("(?m)^(\\s*scrape_timeout):\\s*\\S+", "$1: 1s");
    Files.copy(
        OBSERVABILITY_DIR.resolve("alerts.yml"),
        dir.resolve("alerts.yml"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return Files.writeString(dir.resolve("prometheus.yml"), derived);
  }

  private static String replaceOnce(String text, String target, String replacement) {
    int first = text.indexOf(target);
    assertTrue(
        first >= 0 && text.indexOf(target, first + 1) < 0,
        "deploy/observability/prometheus.yml should name the target " + target + " exactly once");
    return text.replace(target, replacement);
  }

  /** Every query of {@link #QUERIES} and its result vector (empty while not scraped yet). */
  private static Future<Map<String, JsonArray>> queryAll(Apps apps, String base) {
    List<Future<Apps.Reply>> replies = new ArrayList<>();
    for (String query : QUERIES) {
      replies.add(
          apps.get(
              base + "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8)));
    }
    return Future.all(replies)
        .map(
            all -> {
              Map<String, JsonArray> found = new LinkedHashMap<>();
              for (int i = 0; i < QUERIES.size(); i++) {
                Apps.Reply reply = replies.get(i).result();
                if (reply.status() != 200) {
                  throw new IllegalStateException(
                      QUERIES.get(i) + ": HTTP " + reply.status() + " " + reply.body());
                }
                found.put(
                    QUERIES.get(i),
                    reply.json().getJsonObject("data").getJsonArray("result", new JsonArray()));
              }
              return new MissingNamed(found);
            });
  }

  /** A result map whose {@code toString} names what is still missing (for timeout messages). */
  private static final class MissingNamed extends LinkedHashMap<String, JsonArray> {
    MissingNamed(Map<String, JsonArray> m) {
      super(m);
    }

    @Override
    public String toString() {
      return "no data yet for "
          + entrySet().stream().filter(e -> e.getValue().isEmpty()).map(Map.Entry::getKey).toList();
    }
  }

  private static Future<JsonArray> rules(Apps apps, String base) {
    return apps.get(base + "/api/v1/rules")
        .map(
            reply -> {
              if (reply.status() != 200) {
                throw new IllegalStateException(
                    "/api/v1/rules: HTTP " + reply.status() + " " + reply.body());
              }
              return reply.json().getJsonObject("data").getJsonArray("groups");
            });
  }

  /**
   * Every group of alerts.yml is loaded, and each of its alerting rules evaluated with health ok.
   */
  private static boolean allEvaluatedOk(JsonArray loaded, Set<String> expected) {
    Set<String> seen = new LinkedHashSet<>();
    for (Object g : loaded) {
      JsonObject group = (JsonObject) g;
      JsonArray rules = group.getJsonArray("rules", new JsonArray());
      boolean ok =
          !rules.isEmpty()
              && rules.stream()
                  .map(JsonObject.class::cast)
                  .allMatch(
                      r ->
                          "alerting".equals(r.getString("type"))
                              && "ok".equals(r.getString("health")));
      if (ok) {
        seen.add(group.getString("name"));
      }
    }
    return seen.containsAll(expected);
  }

  /** The {@code - name:} of each group in alerts.yml (two-space indented under {@code groups:}). */
  private static Set<String> alertGroupNames() throws IOException {
    Set<String> names = new LinkedHashSet<>();
    Matcher m =
        Pattern.compile("(?m)^  - name:\\s*\"?([^\"\\s#]+)")
            .matcher(Files.readString(OBSERVABILITY_DIR.resolve("alerts.yml")));
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  private static Future<Void> aliveOrFail(ChildProcess process, Path dir) {
    if (process.isAlive()) {
      return Future.succeededFuture();
    }
    return Future.failedFuture(
        new IllegalStateException(
            "prometheus exited with "
                + process.exitValue()
                + "; see "
                + dir.resolve("prometheus.log")));
  }

  /**
   * Runs a short-lived tool in {@code workDir} (output to {@code target/observability/NAME.log}),
   * waits up to 60 s and asserts exit 0, showing the output if not.
   */
  private static void runTool(Path workDir, String name, String... command) throws Exception {
    Path log = KeycloakExtension.workDir().resolve("observability").resolve(name + ".log");
    String what = String.join(" ", command) + " (in " + workDir + ")";
    int exit;
    try (ChildProcess process =
        ChildProcess.command(name, List.of(command)).directory(workDir).log(log).start()) {
      if (!process.waitFor(Duration.ofSeconds(60))) {
        throw new AssertionError(what + " did not finish within 60 s; see " + log);
      }
      exit = process.exitValue();
    }
    String output = Files.readString(log);
    System.out.printf("$ %s -> exit %d%n%s", what, exit, output.indent(2));
    assertEquals(0, exit, what + " failed:\n" + output);
  }

  /** Each scrape target's job, health and last error, for a failure message. */
  private static String targets(Apps apps, String base) {
    try {
      JsonArray active =
          apps.get(base + "/api/v1/targets")
              .await(10, SECONDS)
              .json()
              .getJsonObject("data")
              .getJsonArray("activeTargets");
      return active.stream()
          .map(JsonObject.class::cast)
          .map(
              t ->
                  t.getJsonObject("labels").getString("job")
                      + " "
                      + t.getString("scrapeUrl")
                      + " "
                      + t.getString("health")
                      + " "
                      + t.getString("lastError"))
          .toList()
          .toString();
    } catch (Exception e) {
      return "(unavailable: " + e + ")";
    }
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
