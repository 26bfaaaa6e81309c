package dev.tokenbroker.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChildProcessTest {

  @TempDir Path dir;

  @Test
  void awaitLineSeesOutputAndTerminateEndsTheWholeTree() {
    try (ChildProcess p =
        ChildProcess.command(
                "tree", List.of("bash", "-c", "sleep 60 & echo \"child $! $GREETING\"; wait"))
            .env(Map.of("GREETING", "hello"))
            .log(dir.resolve("logs/tree.log"))
            .start()) {
      var m = p.awaitLine(Pattern.compile("child (\\d+) hello"), Duration.ofSeconds(10));
      ProcessHandle grandchild = ProcessHandle.of(Long.parseLong(m.group(1))).orElseThrow();
      assertTrue(grandchild.isAlive());

      assertTrue(p.terminate(Duration.ofSeconds(10)), "bash exits on SIGTERM");
      assertFalse(p.isAlive());
      assertTrue(
          grandchild.onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join() != null);
      assertFalse(grandchild.isAlive(), "the descendant got SIGTERM too");
      assertEquals(List.of("child " + grandchild.pid() + " hello"), p.lines());
    }
  }

  @Test
  void awaitLineFailsWithTheTailWhenTheProcessExitsFirst() {
    try (ChildProcess p =
        ChildProcess.command("short", List.of("bash", "-c", "echo first; echo oops >&2; exit 3"))
            .start()) {
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class,
              () -> p.awaitLine(Pattern.compile("never"), Duration.ofSeconds(10)));
      assertTrue(e.getMessage().contains("short exited with 3"), e.getMessage());
      assertTrue(e.getMessage().contains("first\noops"), e.getMessage());
    }
  }

  @Test
  void stderrCanGoToItsOwnFile() throws Exception {
    Path err = dir.resolve("err.txt");
    try (ChildProcess p =
        ChildProcess.command("split", List.of("bash", "-c", "echo out; echo err >&2"))
            .log(dir.resolve("out.txt"))
            .stderr(err)
            .start()) {
      assertTrue(p.waitFor(Duration.ofSeconds(10)));
      assertEquals(0, p.exitValue());
      assertEquals(List.of("out"), p.lines());
      assertEquals("err\n", java.nio.file.Files.readString(err));
    }
  }
}
