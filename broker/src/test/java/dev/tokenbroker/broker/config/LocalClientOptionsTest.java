package dev.tokenbroker.broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.common.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code localClients} and {@code http.requireCallerAuth}: reading, validation, redaction. */
class LocalClientOptionsTest {

  private static final String SECRET = "local-Sup3r&Secret";
  private static final String FILE_SECRET = "from-a-file-s3cret";

  static BrokerOptions load(String name, Map<String, String> env) {
    return BrokerOptions.load(Path.of("src/test/resources/config/local-clients", name), env::get);
  }

  @Test
  void readsCallersWithSecretsFromEnvAndFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("reader.secret");
    Files.writeString(file, FILE_SECRET + "\n");
    BrokerOptions o =
        load(
            "good-local-clients.yaml",
            Map.of("TEST_LOCAL_SECRET", SECRET, "TEST_LOCAL_SECRET_FILE", file.toString()));
    assertTrue(o.http().requireCallerAuth());
    List<LocalClientOptions> clients = o.localClients();
    assertEquals(2, clients.size());
    LocalClientOptions orders = clients.get(0);
    assertEquals("orders", orders.clientId());
    assertTrue(orders.clientSecret().matches(SECRET));
    assertNull(orders.clientSecretFile());
    assertEquals(
        List.of("read:students", "write:students"),
        orders.allow().get("https://students-api").scopes());
    LocalClientOptions reader = clients.get(1);
    assertTrue(reader.clientSecret().matches(FILE_SECRET), "file content, newline stripped");
    assertEquals(file, reader.clientSecretFile());
    assertEquals(1, reader.allow().size());
    String printed = o.toString() + orders + reader + o.toJson().encode();
    assertFalse(printed.contains(SECRET), printed);
    assertFalse(printed.contains(FILE_SECRET), printed);
    assertTrue(printed.contains(Secret.REDACTED));
  }

  @Test
  void withoutLocalClientsTheListIsEmptyAndCallerAuthOff() {
    BrokerOptions o =
        BrokerOptions.load(
            Path.of("src/test/resources/config/good-minimal.yaml"),
            Map.of("TEST_CLIENT_ID", "a", "TEST_CLIENT_SECRET", "b")::get);
    assertTrue(o.localClients().isEmpty());
    assertFalse(o.http().requireCallerAuth());
  }

  @ParameterizedTest(name = "{0} names {1}")
  @CsvSource({
    "bad-local-client-missing-secret.yaml, localClients[0].clientSecret",
    "bad-local-client-both-secrets.yaml, localClients[0].clientSecret",
    "bad-local-client-unreadable-secret-file.yaml, localClients[0].clientSecretFile",
    "bad-local-client-unknown-audience.yaml, localClients[0].allow[0].audience",
    "bad-local-client-scope-not-configured.yaml, localClients[0].allow[0].scopes",
    "bad-local-client-duplicate-id.yaml, localClients[1].clientId",
    "bad-local-client-duplicate-audience.yaml, localClients[0].allow[1].audience",
    "bad-local-client-unknown-key.yaml, localClients[0].alow",
    "bad-require-caller-auth-without-clients.yaml, http.requireCallerAuth",
  })
  void badConfigurationNamesTheField(String fixture, String field) {
    ConfigException e = assertThrows(ConfigException.class, () -> load(fixture, Map.of()));
    assertEquals(field, e.field(), e.getMessage());
  }
}
