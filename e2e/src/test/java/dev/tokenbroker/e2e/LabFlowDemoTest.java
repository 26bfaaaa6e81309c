package dev.tokenbroker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.testing.ChildProcess;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The seed lab's flow as the README's demo command runs it: {@code deploy/local/demo.sh} starts the
 * light IdP (mock-oauth2-server, standalone), the broker, students-rs and the caller as four
 * processes and prints the caller's answer to {@code POST /m2m/run}: the caller got a token from
 * the broker's drop-in {@code POST /oauth/token} and called {@code GET /students} with it.
 */
class LabFlowDemoTest {

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void theDemoPrintsTheRunOfTheCaller() throws Exception {
    Path root = Path.of("..").toAbsolutePath().normalize();
    Path script = root.resolve("deploy/local/demo.sh");
    Prerequisites.jar("broker", root.resolve("broker/target/broker.jar"));
    Prerequisites.jar("caller", root.resolve("examples/caller/target/caller.jar"));
    Path out = Path.of("target", "demo.log").toAbsolutePath();
    int exit;
    try (ChildProcess demo =
        ChildProcess.command("demo", List.of("bash", script.toString()))
            .directory(root)
            .log(out)
            .env(
                Map.of(
                    "IDP_PORT", Integer.toString(freePort()),
                    "BROKER_PORT", Integer.toString(freePort()),
                    "BRIDGE_PORT", Integer.toString(freePort()),
                    "STUDENTS_PORT", Integer.toString(freePort()),
                    "CALLER_PORT", Integer.toString(freePort())))
            .start()) {
      assertTrue(demo.waitFor(Duration.ofSeconds(240)), "demo finished within 4 minutes");
      exit = demo.exitValue();
    }
    String text = Files.readString(out, StandardCharsets.UTF_8);
    assertEquals(0, exit, text);
    // The main output: the caller's report, with every step ok and the students, never a token.
    assertTrue(
        text.matches(
            "(?s).*\\{\"ok\":true,\"students\":\\[\\{\"id\":1,\"name\":\"Ada\"},\\{\"id\":2,\"name\":\"Alan\"}],"
                + "\"timings\":\\{\"tokenMs\":\\d+,\"studentsMs\":\\d+,\"totalMs\":\\d+},"
                + "\"steps\":\\[\\{\"name\":\"token\",\"request\":\"POST http://127\\.0\\.0\\.1:\\d+/oauth/token\""
                + ".*\"status\":\"ok\".*\\{\"name\":\"students\",\"request\":\"GET http://127\\.0\\.0\\.1:\\d+/students\""
                + ",\"httpStatus\":200,\"rows\":2,\"status\":\"ok\"}]}.*"),
        text);
    assertFalse(text.contains("access_token"), text);
    assertFalse(
        text.matches("(?s).*\\bey[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}\\..*"),
        "a JWT in: " + text);
    assertTrue(text.contains("401 Bearer realm=\"students\""), text);
  }
}
