package dev.tokenbroker.broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.common.config.ConfigException;
import dev.tokenbroker.common.config.ConfigReader;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class BrokerOptionsTest {

  private static final String SECRET = "test-only-Sup3r&Secret";
  private static final Map<String, String> ENV =
      Map.of("TEST_CLIENT_ID", "orders-service", "TEST_CLIENT_SECRET", SECRET);

  static Path fixture(String name) {
    return Path.of("src/test/resources/config", name);
  }

  static BrokerOptions load(String name, Map<String, String> env) {
    return BrokerOptions.load(fixture(name), env::get);
  }

  @Test
  void minimalConfigurationGetsTheDocumentedDefaults() {
    BrokerOptions o = load("good-minimal.yaml", ENV);
    assertEquals("127.0.0.1", o.http().host());
    assertEquals(4004, o.http().port());
    assertEquals("orders-service", o.idp().clientId());
    assertTrue(o.idp().clientSecret().matches(SECRET));
    assertEquals(IdpOptions.AuthMethod.CLIENT_SECRET_BASIC, o.idp().authMethod());
    assertEquals(IdpOptions.AudienceParameter.AUDIENCE, o.idp().audienceParameter());
    assertTrue(o.tcpBridge().enabled());
    assertEquals(4005, o.tcpBridge().port());
    assertTrue(o.tokens().get(0).prefetch());
    assertEquals(0.5, o.cache().refreshRatio());
    assertEquals(0.1, o.cache().refreshJitter());
    assertEquals(1_000, o.retry().minBackoffMillis());
    assertEquals(300_000, o.retry().maxBackoffMillis());
    assertEquals(2_000, o.retry().breakerResetMillis());
    assertEquals(4_000, o.retry().breakerMaxResetMillis());
  }

  @Test
  void todaysConfigurationIsTheClientNamedDefault() {
    BrokerOptions o = load("good-minimal.yaml", ENV);
    assertEquals(List.of("default"), List.copyOf(o.clients().keySet()));
    assertTrue(o.clients().get("default") == o.idp());
    assertEquals("default", o.tokens().get(0).client());
  }

  @Test
  void namedClientsNeedNoIdpBlock() {
    BrokerOptions o = load("good-clients.yaml", ENV);
    assertEquals(null, o.idp());
    assertEquals(List.of("students", "grades"), List.copyOf(o.clients().keySet()));
    assertEquals("grades-client", o.clients().get("grades").clientId());
    assertEquals(IdpOptions.AuthMethod.CLIENT_SECRET_POST, o.clients().get("grades").authMethod());
    assertEquals(
        IdpOptions.AuthMethod.CLIENT_SECRET_BASIC, o.clients().get("students").authMethod());
    assertEquals(List.of("students", "grades"), o.tokens().stream().map(t -> t.client()).toList());
    assertFalse(o.toString().contains(SECRET), "no client's secret prints");
    assertEquals(
        "grades-client",
        o.toJson().getJsonObject("clients").getJsonObject("grades").getString("clientId"));
  }

  @Test
  void theSameAudienceMayBeListedOncePerClient() {
    BrokerOptions o = load("good-idp-and-clients.yaml", ENV);
    assertEquals(List.of("default", "partner"), List.copyOf(o.clients().keySet()));
    assertEquals(List.of("default", "partner"), o.tokens().stream().map(t -> t.client()).toList());
    assertEquals(
        "partner-client",
        o.toJson().getJsonObject("clients").getJsonObject("partner").getString("clientId"));
    assertFalse(o.toJson().getJsonObject("clients").containsKey("default"), "idp is not repeated");
  }

  @Test
  void anUnknownClientIsNamedWithTheKnownOnes() {
    ConfigException e =
        assertThrows(ConfigException.class, () -> load("bad-unknown-client.yaml", ENV));
    assertEquals("tokens[0].client: unknown client \"partner\" (known: default)", e.getMessage());
  }

  @Test
  void fullConfigurationIsRead() {
    BrokerOptions o = load("good-full.yaml", ENV);
    assertEquals(IdpOptions.AuthMethod.CLIENT_SECRET_POST, o.idp().authMethod());
    assertEquals(IdpOptions.AudienceCheck.WARN, o.idp().audienceCheck());
    assertEquals(
        List.of("read:students", "write:students"),
        o.tokens().get(0).scopes(),
        "sorted, de-duplicated");
    assertEquals(
        List.of("read:grades"), o.tokens().get(1).scopes(), "a space-separated string is accepted");
    assertFalse(o.tokens().get(1).prefetch());
    assertEquals(64, o.cache().maxKeys());
    assertEquals(3, o.retry().breakerFailureThreshold());
    assertEquals(
        10_000, o.retry().breakerMaxResetMillis(), "a longer first interval alone stays fixed");
  }

  @Test
  void secretsNeverPrint() {
    BrokerOptions o = load("good-full.yaml", ENV);
    assertFalse(o.toString().contains(SECRET));
    assertFalse(o.toJson().encode().contains(SECRET));
    assertFalse(o.idp().toString().contains(SECRET));
    assertFalse(String.valueOf(o.idp().clientSecret()).contains(SECRET));
    assertTrue(o.toString().contains(Secret.REDACTED));
  }

  @Test
  void secretComesFromAFile(@TempDir Path dir) throws Exception {
    Path secret = dir.resolve("secret");
    Files.writeString(secret, "from-a-file\n");
    BrokerOptions o = load("good-secret-file.yaml", Map.of("TEST_SECRET_FILE", secret.toString()));
    assertTrue(o.idp().clientSecret().matches("from-a-file"), "trailing newline stripped");
  }

  @ParameterizedTest(name = "{0} names {1}")
  @CsvSource({
    "bad-missing-client-id.yaml, idp.clientId",
    "bad-missing-secret.yaml, idp.clientSecret",
    "bad-both-secrets.yaml, idp.clientSecret",
    "bad-unreadable-secret-file.yaml, idp.clientSecretFile",
    "bad-no-idp-url.yaml, idp.tokenEndpoint",
    "bad-plain-http-remote-idp.yaml, idp.issuer",
    "bad-plain-http-lookalike-loopback-idp.yaml, idp.tokenEndpoint",
    "bad-auth-method.yaml, idp.authMethod",
    "bad-audience-parameter.yaml, idp.audienceParameter",
    "bad-unknown-key.yaml, idp.clientSecert",
    "bad-no-tokens.yaml, tokens",
    "bad-scope-token.yaml, tokens[0].scopes",
    "bad-port.yaml, http.port",
    "bad-limits-max-connections.yaml, http.limits.maxConnections",
    "bad-limits-unknown-key.yaml, http.limits.maxConections",
    "bad-backoff-min-above-max.yaml, retry.maxBackoffMillis",
    "bad-breaker-reset-above-max.yaml, retry.breakerMaxResetMillis",
    "bad-refresh-ratio.yaml, cache.refreshRatio",
    "bad-env-var-unset.yaml, idp.clientSecret",
    "bad-not-yaml.yaml, config file",
    "bad-duplicate-key.yaml, config file",
    "bad-max-keys-below-prefetch.yaml, cache.maxKeys",
    "bad-unknown-client.yaml, tokens[0].client",
    "bad-token-client-name.yaml, tokens[0].client",
    "bad-client-name.yaml, clients",
    "bad-idp-and-clients-default.yaml, clients.default",
    "bad-client-missing-secret.yaml, clients.grades.clientSecret",
    "bad-clients-not-a-mapping.yaml, clients",
    "bad-no-idp.yaml, idp",
    "bad-default-client-without-idp.yaml, tokens[0].client",
    "bad-private-key-jwt-without-key-file.yaml, idp.privateKeyFile",
    "bad-private-key-file-unreadable.yaml, idp.privateKeyFile",
    "bad-signing-algorithm.yaml, idp.signingAlgorithm",
    "bad-private-key-file-without-private-key-jwt.yaml, idp.privateKeyFile",
    "bad-assertion-audience-issuer-without-issuer.yaml, idp.assertionAudience",
    "bad-client-secret-jwt-without-secret.yaml, idp.clientSecret",
    "bad-tls-client-auth-without-tls.yaml, idp.tls",
    "bad-tls-missing-key-file.yaml, idp.tls.keyFile",
    "bad-tls-client-auth-plain-http.yaml, idp.tokenEndpoint",
    "bad-tls-without-tls-method.yaml, idp.tls",
  })
  void badConfigurationNamesTheField(String fixture, String field) {
    ConfigException e = assertThrows(ConfigException.class, () -> load(fixture, ENV));
    assertEquals(field, e.field(), e.getMessage());
    assertTrue(e.getMessage().startsWith(field + ": "), e.getMessage());
  }

  @Test
  void aHostThatOnlyStartsWith127IsNotLoopback() {
    ConfigException e =
        assertThrows(
            ConfigException.class, () -> load("bad-plain-http-lookalike-loopback-idp.yaml", ENV));
    assertEquals(
        "idp.tokenEndpoint: plain http is only allowed for loopback hosts (127.0.0.0/8, ::1,"
            + " localhost) (or set idp.allowHttp: true)",
        e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://127.0.0.1:8080/token",
        "http://127.0.0.2/token",
        "http://localhost/token",
        "http://LOCALHOST:9/token",
        "http://[::1]:9/token",
        "https://idp.example/token"
      })
  void plainHttpIsAllowedOnLoopbackOnly(String url) {
    IdpOptions idp = idpWith(url);
    assertEquals(url, idp.tokenEndpoint().toString());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://127.evil.example/token",
        "http://localhost.evil.example/token",
        "http://127.0.0.1.nip.io/token",
        "http://[::2]/token",
        "http://10.0.0.1/token"
      })
  void plainHttpElsewhereIsRefused(String url) {
    ConfigException e = assertThrows(ConfigException.class, () -> idpWith(url));
    assertEquals("idp.tokenEndpoint", e.field());
  }

  private static IdpOptions idpWith(String tokenEndpoint) {
    return new IdpOptions(
        new ConfigReader(
            "idp",
            new io.vertx.core.json.JsonObject()
                .put("tokenEndpoint", tokenEndpoint)
                .put("clientId", "c")
                .put("clientSecret", "s")));
  }

  @Test
  void theProcessExitsWithStatus2AndNamesTheField() throws Exception {
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "dev.tokenbroker.broker.Main",
                "--config",
                fixture("bad-missing-client-id.yaml").toString())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.PIPE)
            .start();
    String stderr = new String(p.getErrorStream().readAllBytes());
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(2, p.exitValue());
    assertTrue(stderr.contains("config error: idp.clientId: required"), stderr);
    assertTrue(new File("src/test/resources/config").isDirectory());
  }
}
