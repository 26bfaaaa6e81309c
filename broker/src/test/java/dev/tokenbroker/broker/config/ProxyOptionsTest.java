package dev.tokenbroker.broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.common.config.ConfigException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code proxies}: upstream rules, policy from {@code tokens}, listener rules. */
class ProxyOptionsTest {

  @Test
  void withoutProxiesThereAreNone() {
    BrokerOptions o =
        BrokerOptionsTest.load(
            "good-minimal.yaml", Map.of("TEST_CLIENT_ID", "a", "TEST_CLIENT_SECRET", "b"));
    assertTrue(o.proxies().isEmpty());
  }

  @Test
  void proxiesAreReadWithTheirDefaults() {
    List<ProxyOptions> p = BrokerOptionsTest.load("good-proxies.yaml", Map.of()).proxies();
    assertEquals(3, p.size());

    ProxyOptions students = p.get(0);
    assertEquals("students", students.name());
    assertEquals("127.0.0.1", students.host(), "loopback by default");
    assertEquals(4010, students.port());
    assertTrue(students.https());
    assertEquals("students.example", students.upstreamHost());
    assertEquals(443, students.upstreamPort());
    assertEquals("/api", students.upstreamBasePath());
    assertEquals(List.of("read:students"), students.scopes());
    assertEquals(Path.of("/etc/token-broker/students-ca.pem"), students.trustFile());
    assertFalse(students.allowHttpUpstream());

    ProxyOptions local = p.get(1);
    assertEquals("4011", local.name(), "the port when unnamed");
    assertFalse(local.https());
    assertEquals(8081, local.upstreamPort());
    assertEquals("", local.upstreamBasePath());
    assertTrue(local.scopes().isEmpty(), "the tokens entry's scopes");
    assertNull(local.client());

    ProxyOptions lab = p.get(2);
    assertTrue(lab.allowHttpUpstream(), "plain http to a remote host only when allowed");
    assertEquals("default", lab.client());
  }

  @ParameterizedTest(name = "{0} names {1}")
  @CsvSource({
    "bad-proxy-http-remote-upstream.yaml, proxies[0].upstream",
    "bad-proxy-upstream-userinfo.yaml, proxies[0].upstream",
    "bad-proxy-upstream-query.yaml, proxies[0].upstream",
    "bad-proxy-upstream-fragment.yaml, proxies[0].upstream",
    "bad-proxy-upstream-relative.yaml, proxies[0].upstream",
    "bad-proxy-audience-not-in-tokens.yaml, proxies[0].audience",
    "bad-proxy-scope-not-allowed.yaml, proxies[0].scopes",
    "bad-proxy-non-loopback-host.yaml, proxies[0].host",
    "bad-proxy-same-port-as-http.yaml, proxies[0].port",
    "bad-proxy-duplicate-name.yaml, proxies[1].name",
    "bad-proxy-unknown-client.yaml, proxies[0].client",
    "bad-proxy-missing-port.yaml, proxies[0].port",
    "bad-proxy-trust-file-on-http.yaml, proxies[0].trustFile",
  })
  void badProxiesFailNamingTheField(String fixture, String field) {
    ConfigException e =
        assertThrows(ConfigException.class, () -> BrokerOptionsTest.load(fixture, Map.of()));
    assertEquals(field, e.field(), e.getMessage());
  }
}
