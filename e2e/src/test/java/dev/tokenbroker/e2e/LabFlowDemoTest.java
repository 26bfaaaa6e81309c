package dev.tokenbroker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
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
    assumeTrue(Files.exists(root.resolve("broker/target/broker.jar")), "broker jar not built");
    Path out = Path.of("target", "demo.log").toAbsolutePath();
    ProcessBuilder pb =
        new ProcessBuilder("bash", script.toString())
            .directory(root.toFile())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile());
    pb.environment().put("IDP_PORT", Integer.toString(freePort()));
    pb.environment().put("BROKER_PORT", Integer.toString(freePort()));
    pb.environment().put("BRIDGE_PORT", Integer.toString(freePort()));
    pb.environment().put("STUDENTS_PORT", Integer.toString(freePort()));
    Process p = pb.start();
    Thread hook = ProcessTree.killOnJvmExit(p);
    try {
      assertTrue(p.waitFor(240, TimeUnit.SECONDS), "demo finished within 4 minutes");
    } finally {
      ProcessTree.stop(p, java.time.Duration.ofSeconds(10));
      ProcessTree.forgetJvmExitHook(hook);
    }
    String text = Files.readString(out, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), text);
    assertTrue(
        text.matches(
            "(?s).*\\{\"access_token\":\"ey[^\"]+\",\"token_type\":\"Bearer\",\"expires_in\":\\d+,\"expires_at\":\\d+,\"scope\":\"read:students\"}.*"),
        text);
    assertTrue(text.contains("[{\"id\":1,\"name\":\"Ada\"},{\"id\":2,\"name\":\"Alan\"}]"), text);
    assertTrue(text.contains("401 Bearer realm=\"students\""), text);
  }
}
