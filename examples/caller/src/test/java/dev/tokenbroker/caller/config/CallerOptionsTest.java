package dev.tokenbroker.caller.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.common.config.ConfigException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The caller's YAML: defaults, the secret file, and each bad fixture's field. */
class CallerOptionsTest {

  static Path fixture(String name) {
    try {
      return Path.of(CallerOptionsTest.class.getResource("/config/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void minimalFileGetsTheDefaultsAndTheSecretIsRedacted() {
    CallerOptions o =
        CallerOptions.load(
            fixture("good-minimal.yaml"), Map.of("CALLER_CLIENT_SECRET", "very-secret-value"));
    assertEquals("127.0.0.1", o.getHost());
    assertEquals(4008, o.getPort());
    assertEquals("/oauth/token", o.getTokenPath());
    assertEquals("client_secret_basic", o.getAuthMethod());
    assertEquals(List.of("read:students"), o.getScopes());
    assertEquals(5000, o.getTimeoutMs());
    assertEquals("very-secret-value", o.getClientSecret());
    assertFalse(o.toString().contains("very-secret-value"), o.toString());
    assertFalse(o.toJson().encode().contains("very-secret-value"));
    assertEquals("(redacted)", o.toJson().getJsonObject("broker").getString("clientSecret"));
  }

  @Test
  void theSecretFileIsReadAndTrimmed(@TempDir Path dir) throws Exception {
    Path secret = Files.writeString(dir.resolve("secret"), "from-a-file\n");
    CallerOptions o =
        CallerOptions.load(
            fixture("good-secret-file.yaml"), Map.of("SECRET_FILE", secret.toString()));
    assertEquals("from-a-file", o.getClientSecret());
    assertEquals("client_secret_post", o.getAuthMethod());
    assertEquals(List.of("read:students", "write:students"), o.getScopes());
    assertEquals(0, o.getPort());
  }

  @Test
  void aMissingSecretFileNamesTheField(@TempDir Path dir) {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                CallerOptions.load(
                    fixture("good-secret-file.yaml"),
                    Map.of("SECRET_FILE", dir.resolve("absent").toString())));
    assertTrue(e.getMessage().startsWith("broker.clientSecretFile"), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource({
    "bad-missing-client-id.yaml, broker.clientId",
    "bad-both-secrets.yaml, broker.clientSecret",
    "bad-plain-http-remote-broker.yaml, broker.url",
    "bad-auth-method.yaml, broker.authMethod",
    "bad-unknown-key.yaml, broker.tokenUrl",
    "bad-missing-students-url.yaml, students.url",
  })
  void badFilesNameTheField(String file, String field) {
    ConfigException e =
        assertThrows(ConfigException.class, () -> CallerOptions.load(fixture(file), Map.of()));
    assertTrue(e.getMessage().startsWith(field + ":"), e.getMessage());
    assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
  }
}
