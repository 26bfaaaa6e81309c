package dev.tokenbroker.examples.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tokenbroker.testing.ChildProcess;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs every snippet of {@code examples/clients/} as a child process against a real broker, IdP and
 * students-rs ({@link Stack}) and checks what it prints: the token JSON it got (without the token),
 * and students-rs's {@code 200} answer to {@code GET /students} with that token, which proves the
 * token is one students-rs accepts. No snippet may print the token itself.
 *
 * <p>A missing {@code curl}, {@code python3}, {@code node} or {@code npm} skips its snippet, but
 * fails under {@code CI=true}. The Node packages are installed with {@code npm ci} from the
 * committed lock file when {@code node_modules} is missing or older than it.
 */
class SnippetsTest {

  static final Path DIR = Path.of(System.getProperty("snippets.dir", "."));
  static final Path WORK =
      Path.of(System.getProperty("snippets.work.dir", "target/snippets")).toAbsolutePath();
  static final Duration RUN_TIMEOUT = Duration.ofSeconds(90);

  static Stack stack;
  static String currentToken;

  @BeforeAll
  static void start() throws Exception {
    stack = Stack.start(WORK);
  }

  @AfterAll
  static void stop() throws Exception {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void curl() throws Exception {
    requireTool("curl");
    List<String> out = run("curl", List.of("bash", DIR.resolve("curl.sh").toString()), DIR);
    assertTokenLine(out, "v1 token: ", true);
    assertStudents(out, "v1 ");
    assertTokenLine(out, "oauth token: ", true);
    assertStudents(out, "oauth ");
  }

  @Test
  void python() throws Exception {
    requireTool("python3");
    List<String> out =
        run(
            "python",
            List.of("python3", DIR.resolve("python/broker_client.py").toString()),
            DIR.resolve("python"));
    assertTokenLine(out, "v1 token: ", true);
    assertStudents(out, "v1 ");
    assertTokenLine(out, "oauth token: ", true);
    assertStudents(out, "oauth ");
  }

  @Test
  void seedOAuth2Client() throws Exception {
    requireTool("node");
    List<String> out = run("node-seed", List.of("node", "seed-client.js"), DIR.resolve("node"));
    JsonObject token = assertTokenLine(out, "token: ", false);
    assertTrue(token.getLong("expires_in") > 0, token.encode());
    assertStudents(out, "");
  }

  @Test
  void openidClient() throws Exception {
    requireTool("node");
    npmCi();
    List<String> out =
        run("node-openid-client", List.of("node", "openid-client.mjs"), DIR.resolve("node"));
    assertTrue(
        out.contains("discovered: token_endpoint " + stack.brokerUrl() + "/oauth/token"),
        String.join("\n", out));
    assertTokenLine(out, "token: ", true);
    assertStudents(out, "");
  }

  @Test
  void nodeOverTheTcpBridge() throws Exception {
    requireTool("node");
    List<String> out = run("node-bridge", List.of("node", "bridge.js"), DIR.resolve("node"));
    JsonObject token = assertTokenLine(out, "token: ", true);
    assertTrue(token.containsKey("expires_at"), token.encode());
    assertStudents(out, "");
  }

  @Test
  void vertxOAuth2WebClient() throws Exception {
    List<String> out =
        run(
            "java-oauth2webclient",
            javaMain(OAuth2WebClientExample.class.getName()),
            DIR,
            Map.of());
    assertTokenLine(out, "token: ", true);
    assertStudents(out, "");
  }

  @Test
  void vertxEventBusInProcess() throws Exception {
    Path config = WORK.resolve("embedded-broker.yaml");
    Files.writeString(config, Stack.brokerConfig(stack.idp, false).encodePrettily());
    List<String> out =
        run(
            "java-eventbus",
            javaMain(EventBusExample.class.getName()),
            DIR,
            Map.of("BROKER_CONFIG", config.toString()));
    assertTokenLine(out, "token: ", true);
    assertStudents(out, "");
  }

  // --- helpers ---

  private static List<String> javaMain(String mainClass) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ChildProcess.javaExecutable().toString());
    cmd.addAll(List.of("-Xmx96m", "-XX:+UseSerialGC", "-cp", Stack.classpath(), mainClass));
    return cmd;
  }

  private static List<String> run(String name, List<String> command, Path dir) throws Exception {
    return run(name, command, dir, Map.of());
  }

  /** Runs a snippet to its end; fails unless it exits 0. Returns its output lines. */
  private static List<String> run(
      String name, List<String> command, Path dir, Map<String, String> extraEnv) throws Exception {
    Map<String, String> env = new HashMap<>(stack.env());
    env.putAll(extraEnv);
    try (ChildProcess p =
        ChildProcess.command(name, command)
            .directory(dir)
            .env(env)
            .withoutEnv(n -> n.equalsIgnoreCase("http_proxy") || n.equalsIgnoreCase("https_proxy"))
            .log(WORK.resolve(name + ".log"))
            .start()) {
      if (!p.waitFor(RUN_TIMEOUT)) {
        fail(name + " did not finish within " + RUN_TIMEOUT + p.tail());
      }
      assertEquals(0, p.exitValue(), name + " failed" + p.tail());
      List<String> lines = p.lines();
      String token = brokerToken();
      for (String line : lines) {
        assertFalse(line.contains(token), name + " printed the access token: " + line);
      }
      return lines;
    }
  }

  /** The token the broker currently serves for the snippets' key (to check none prints it). */
  private static String brokerToken() throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            stack.brokerUrl()
                                + "/v1/token?audience=https%3A%2F%2Fstudents-api&scope=read%3Astudents"))
                    .header("Token-Broker-Request", "true")
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body()).getString("access_token");
  }

  /** The JSON after {@code prefix}: the token response, {@code access_token} redacted. */
  private static JsonObject assertTokenLine(List<String> out, String prefix, boolean full) {
    String line =
        out.stream()
            .filter(l -> l.startsWith(prefix))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no line '" + prefix + "…' in\n" + out));
    JsonObject token = new JsonObject(line.substring(prefix.length()));
    assertEquals("(redacted)", token.getString("access_token"), line);
    if (full) {
      assertTrue("Bearer".equalsIgnoreCase(token.getString("token_type")), line);
      assertTrue(token.getLong("expires_in") > 3000, line);
      assertEquals(Stack.SCOPE, token.getString("scope"), line);
    }
    return token;
  }

  private static void assertStudents(List<String> out, String label) {
    String expected = label + "students: 200 " + Stack.STUDENTS_JSON;
    assertTrue(out.contains(expected), "expected '" + expected + "' in\n" + String.join("\n", out));
  }

  /** Skips without the tool, fails under CI=true. */
  static void requireTool(String tool) throws Exception {
    Process p = new ProcessBuilder("bash", "-c", "command -v " + tool).start();
    boolean present = p.waitFor() == 0;
    if (!present && "true".equals(System.getenv("CI"))) {
      fail(tool + " is required under CI=true (deploy/local/test.sh installs it)");
    }
    assumeTrue(present, tool + " not installed");
  }

  /** {@code npm ci} in node/ when node_modules is missing or older than the lock file. */
  static synchronized void npmCi() throws Exception {
    requireTool("npm");
    Path node = DIR.resolve("node");
    Path marker = node.resolve("node_modules/.package-lock.json");
    if (Files.exists(marker)
        && Files.getLastModifiedTime(marker)
                .compareTo(Files.getLastModifiedTime(node.resolve("package-lock.json")))
            >= 0) {
      return;
    }
    try (ChildProcess p =
        ChildProcess.command(
                "npm-ci", List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"))
            .directory(node)
            .log(WORK.resolve("npm-ci.log"))
            .start()) {
      assertTrue(p.waitFor(Duration.ofMinutes(5)), "npm ci did not finish" + p.tail());
      assertEquals(0, p.exitValue(), "npm ci failed" + p.tail());
    }
  }
}
