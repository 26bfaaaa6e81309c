package dev.tokenbroker.students;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The launcher's exit statuses for usage and configuration errors. */
class MainTest {

  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return Main.start(args, Map.of(), new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private static String fixture(String name) throws URISyntaxException {
    return Path.of(MainTest.class.getResource("/config/" + name).toURI()).toString();
  }

  @Test
  void missingConfigArgumentExitsWith2() {
    assertEquals(2, run());
    assertEquals(
        "usage: java -jar students-rs.jar --config PATH\n", err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void badConfigurationExitsWith2NamingTheField() throws URISyntaxException {
    assertEquals(2, run("--config", fixture("bad-missing-audience.yaml")));
    assertEquals("config error: audience: required\n", err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void unreadableFileExitsWith2() {
    assertEquals(2, run("--config=/nonexistent/students.yaml"));
    assertEquals(
        "config error: config file: cannot read /nonexistent/students.yaml (NoSuchFileException)\n",
        err.toString(StandardCharsets.UTF_8));
  }
}
