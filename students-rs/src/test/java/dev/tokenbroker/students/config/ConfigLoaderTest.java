package dev.tokenbroker.students.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.common.config.ConfigException;
import dev.tokenbroker.common.config.ConfigLoader;
import io.vertx.core.json.JsonObject;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Configuration fixtures, each named after what it provokes. */
class ConfigLoaderTest {

  static final Map<String, String> ENV =
      Map.of("STUDENTS_ISSUER", "https://idp.example/", "STUDENTS_PORT", "8080");

  static Path fixture(String name) {
    try {
      return Path.of(ConfigLoaderTest.class.getResource("/config/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "bad-missing-audience.yaml    | audience: required",
        "bad-missing-issuer.yaml      | issuer: required",
        "bad-unknown-key.yaml         | audiance: unknown key",
        "bad-unknown-nested-key.yaml  | jwks.maxByte: unknown key",
        "bad-hs256-algorithm.yaml     | algorithms: HS256 is not allowed (only asymmetric signatures are accepted)",
        "bad-none-algorithm.yaml      | algorithms: none is not allowed (only asymmetric signatures are accepted)",
        "bad-port-out-of-range.yaml   | http.port: must be between 0 and 65535",
        "bad-port-not-a-number.yaml   | http.port: must be an integer",
        "bad-instances-zero.yaml      | http.instances: must be between 1 and 64",
        "bad-instances-over-64.yaml   | http.instances: must be between 1 and 64",
        "bad-limits-head-timeout.yaml | http.limits.headTimeoutSeconds: must be between 1 and 3600, was 0",
        "bad-undefined-env-var.yaml   | audience: environment variable STUDENTS_AUDIENCE_UNSET is not set",
        "bad-jwks-max-below-min.yaml  | jwks.maxCacheSeconds: must be >= jwks.minRefreshSeconds",
        "bad-issuer-not-url.yaml      | issuer: must be an absolute http(s) URL",
        "bad-plain-http-lookalike-loopback-issuer.yaml | issuer: plain http is only allowed for loopback hosts (127.0.0.0/8, ::1, localhost) (or set allowHttp: true)",
        "bad-plain-http-jwks-uri.yaml | jwksUri: plain http is only allowed for loopback hosts (127.0.0.0/8, ::1, localhost) (or set allowHttp: true)",
        "bad-cors-wildcard.yaml       | cors.allowedOrigins[0]: list origins explicitly, '*' is not accepted",
        "bad-not-a-mapping.yaml       | config file: must be a YAML mapping",
        "bad-empty.yaml               | config file: is empty",
        "bad-max-token-bytes.yaml     | maxTokenBytes: must be between 256 and 65536",
        "bad-leeway-negative.yaml     | leewaySeconds: must be between 0 and 300",
      })
  void badConfigurationNamesTheField(String file, String message) {
    ConfigException e =
        assertThrows(ConfigException.class, () -> StudentsOptions.load(fixture(file), ENV));
    assertEquals(message, e.getMessage());
  }

  @Test
  void duplicateKeysAreErrorsThatDoNotEchoValues() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> StudentsOptions.load(fixture("bad-duplicate-key.yaml"), ENV));
    assertEquals(ConfigLoader.FILE_FIELD, e.field());
    assertTrue(e.problem().contains("duplicate key audience"), e.problem());
    assertFalse(e.getMessage().contains("other-api"));
  }

  @Test
  void minimalConfigurationGetsTheDefaults() {
    StudentsOptions o = StudentsOptions.load(fixture("good-minimal.yaml"), ENV);
    assertEquals("127.0.0.1", o.getHost());
    assertEquals(4006, o.getPort());
    assertEquals(Math.min(64, Runtime.getRuntime().availableProcessors()), o.getInstances());
    assertEquals("read:students", o.getRequiredScope());
    assertTrue(o.isAuthEnabled());
    TokenValidatorOptions t = o.getToken();
    assertEquals("https://tenant.example.auth0.com/", t.getIssuer());
    assertEquals(null, t.getJwksUri());
    assertEquals(5, t.getLeewaySeconds());
    assertEquals(Set.of("RS256"), t.getAlgorithms());
    assertEquals(8192, t.getMaxTokenBytes());
    assertEquals(10_000, t.getTokenCacheMaxEntries());
    assertEquals(60, t.getJwks().getMinRefreshSeconds());
    assertEquals(3600, t.getJwks().getMaxCacheSeconds());
    assertEquals(5, t.getJwks().getRefetchCooldownSeconds());
    assertEquals(5000, t.getJwks().getTimeoutMillis());
    assertEquals(65536, t.getJwks().getMaxBytes());
    assertEquals(0, o.getRequestsPerSecond());
    assertEquals(List.of(), o.getCorsAllowedOrigins());
  }

  @Test
  void fullConfigurationIsReadAndRoundTrips() {
    StudentsOptions o = StudentsOptions.load(fixture("good-full.yaml"), ENV);
    assertEquals("0.0.0.0", o.getHost());
    assertEquals(0, o.getPort());
    assertEquals(3, o.getInstances());
    assertEquals(Set.of("RS256", "PS256", "ES256"), o.getToken().getAlgorithms());
    assertEquals(500, o.getToken().getTokenCacheMaxEntries());
    assertEquals(32768, o.getToken().getJwks().getMaxBytes());
    assertEquals(100, o.getRequestsPerSecond());
    assertEquals(List.of("http://localhost:5176"), o.getCorsAllowedOrigins());
    JsonObject json = o.toJson();
    assertEquals(json, new StudentsOptions(json).validate().toJson());
    assertEquals(json, new StudentsOptions(o).toJson());
  }

  @Test
  void environmentReferencesAreInterpolated() {
    StudentsOptions o = StudentsOptions.load(fixture("good-env-interpolation.yaml"), ENV);
    assertEquals("https://idp.example/", o.getToken().getIssuer());
    assertEquals("https://students-api", o.getToken().getAudience());
    assertEquals(8080, o.getPort());
    assertEquals("${literal}", o.getRequiredScope());
    StudentsOptions defaults =
        StudentsOptions.load(
            fixture("good-env-interpolation.yaml"),
            Map.of("STUDENTS_ISSUER", "https://x.example/", "STUDENTS_PORT", ""));
    assertEquals(4006, defaults.getPort());
  }

  @Test
  void exampleConfigurationShippedWithTheModuleLoads() {
    StudentsOptions o =
        StudentsOptions.load(
            Path.of("students.example.yaml"),
            Map.of("AUTH0_ISSUER", "https://t.example.auth0.com/"));
    assertEquals("https://t.example.auth0.com/", o.getToken().getIssuer());
    assertEquals(4006, o.getPort());
    assertEquals(Math.min(64, Runtime.getRuntime().availableProcessors()), o.getInstances());
  }

  @Test
  void plainHttpIsAllowedForLoopbackHostsOrWhenAllowed() {
    for (String issuer :
        List.of("http://127.0.0.1:8080/realms/x", "http://localhost/", "http://[::1]:9/")) {
      new StudentsOptions(new JsonObject().put("issuer", issuer).put("audience", "a")).validate();
    }
    JsonObject remote = new JsonObject().put("issuer", "http://idp.example/").put("audience", "a");
    assertThrows(ConfigException.class, () -> new StudentsOptions(remote).validate());
    new StudentsOptions(remote.copy().put("allowHttp", true)).validate();
  }

  @Test
  void authDisabledNeedsNoIssuer() {
    StudentsOptions o =
        StudentsOptions.load(fixture("good-auth-disabled-for-benchmarks.yaml"), ENV);
    assertFalse(o.isAuthEnabled());
  }
}
