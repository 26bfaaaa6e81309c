package dev.tokenbroker.broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.common.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The sidecar options: management listener, Unix socket, shutdown bound, secret reloading. */
class SidecarOptionsTest {

  private static final Map<String, String> ENV =
      Map.of("TEST_CLIENT_ID", "orders-service", "TEST_CLIENT_SECRET", "x");

  @Test
  void withoutTheNewBlocksEverythingStaysAsBefore() {
    BrokerOptions o = BrokerOptionsTest.load("good-minimal.yaml", ENV);
    assertNull(o.management(), "health, metrics and dashboard stay on the token listener");
    assertTrue(o.http().tcpEnabled());
    assertNull(o.http().unixSocket());
    assertEquals(
        "rw-rw----", PosixFilePermissions.toString(o.http().unixSocketPermissions()), "0660");
    assertEquals(5, o.shutdown().timeoutSeconds());
    assertEquals(10, o.idp().secretReloadSeconds());
  }

  @Test
  void theSidecarLayoutIsRead(@TempDir Path dir) throws Exception {
    Path secret = dir.resolve("secret");
    Files.writeString(secret, "s3cret\n");
    BrokerOptions o =
        BrokerOptionsTest.load("good-sidecar.yaml", Map.of("TEST_SECRET_FILE", secret.toString()));
    assertFalse(o.http().tcpEnabled(), "port -1 switches TCP off");
    assertEquals(Path.of("/run/token-broker/api.sock"), o.http().unixSocket());
    assertEquals("rw-------", PosixFilePermissions.toString(o.http().unixSocketPermissions()));
    assertEquals("0.0.0.0", o.management().host());
    assertEquals(4007, o.management().port());
    assertEquals(20, o.shutdown().timeoutSeconds());
    assertEquals(30, o.idp().secretReloadSeconds());
    assertEquals(secret, o.idp().clientSecretFile());
    assertFalse(o.toString().contains("s3cret"));
    assertEquals("0.0.0.0", o.toJson().getJsonObject("management").getString("host"));
  }

  @ParameterizedTest(name = "{0} names {1}")
  @CsvSource({
    "bad-tcp-off-without-socket.yaml, http.port",
    "bad-unix-socket-mode.yaml, http.unixSocketMode",
    "bad-unix-socket-mode-unquoted.yaml, http.unixSocketMode",
    "bad-unix-socket-relative.yaml, http.unixSocket",
    "bad-management-same-port.yaml, management.port",
    "bad-management-port.yaml, management.port",
    "bad-shutdown-timeout.yaml, shutdown.timeoutSeconds",
    "bad-secret-reload-seconds.yaml, idp.secretReloadSeconds",
  })
  void badSidecarConfigurationNamesTheField(String fixture, String field) {
    ConfigException e =
        assertThrows(ConfigException.class, () -> BrokerOptionsTest.load(fixture, ENV));
    assertEquals(field, e.field(), e.getMessage());
  }
}
