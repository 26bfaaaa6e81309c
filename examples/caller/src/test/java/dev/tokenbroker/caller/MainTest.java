package dev.tokenbroker.caller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Usage and configuration errors exit with status 2 and one line naming the field. */
class MainTest {

  @Test
  void noConfigIsAUsageError() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(2, Main.start(new String[0], Map.of(), new PrintStream(err, true)));
    assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("usage: java -jar caller.jar"));
  }

  @Test
  void aBadConfigNamesTheField() throws Exception {
    Path bad = Path.of(MainTest.class.getResource("/config/bad-missing-client-id.yaml").toURI());
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        Main.start(new String[] {"--config", bad.toString()}, Map.of(), new PrintStream(err, true));
    assertEquals(2, status);
    assertEquals(
        "config error: broker.clientId: required", err.toString(StandardCharsets.UTF_8).trim());
  }
}
