package dev.tokenbroker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * light IdP (mock-oauth2-server, standalone), the broker and students-rs as three processes, gets a
 * token from the broker over HTTP and calls {@code GET /students} with it.
 */
class LabFlowDemoTest {

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void theDemoPrintsATokenAndTheStudents() throws Exception {
    Path root = Path.of("..").toAbsolutePath().normalize();
    Path script = root.resolve("deploy/local/demo.sh");
    Prerequisites.jar("broker", root.resolve("broker/target/broker.jar"));
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
                    "STUDENTS_PORT", Integer.toString(freePort())))
            .start()) {
      assertTrue(demo.waitFor(Duration.ofSeconds(240)), "demo finished within 4 minutes");
      exit = demo.exitValue();
    }
    String text = Files.readString(out, StandardCharsets.UTF_8);
    assertEquals(0, exit, text);
    assertTrue(
        text.matches(
            "(?s).*\\{\"access_token\":\"ey[^\"]+\",\"token_type\":\"Bearer\",\"expires_in\":\\d+,\"expires_at\":\\d+,\"scope\":\"read:students\"}.*"),
        text);
    assertTrue(text.contains("[{\"id\":1,\"name\":\"Ada\"},{\"id\":2,\"name\":\"Alan\"}]"), text);
    assertTrue(text.contains("401 Bearer realm=\"students\""), text);
  }
}
