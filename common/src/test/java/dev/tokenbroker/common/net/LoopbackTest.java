package dev.tokenbroker.common.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LoopbackTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "127.0.0.1",
        "127.1.2.3",
        "127.255.255.255",
        "localhost",
        "LocalHost",
        "::1",
        "[::1]",
        "0:0:0:0:0:0:0:1",
        "[0:0:0:0:0:0:0:1]",
        "::0001",
        "::ffff:127.0.0.1",
        "[::ffff:127.0.0.2]"
      })
  void loopback(String host) {
    assertTrue(Loopback.isLoopbackHost(host), host);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "127.evil.example",
        "127.0.0.1.evil.example",
        "127.0.0.1.",
        "localhost.evil.example",
        "evil-localhost",
        "127.0.0",
        "127.0.0.256",
        "127.0.0.0001",
        "128.0.0.1",
        "0.0.0.0",
        "::",
        "::2",
        "::1:1",
        "[::1",
        "::1]",
        "::1%lo",
        "::ffff:10.0.0.1",
        "1::1",
        "",
        "example.com"
      })
  void notLoopback(String host) {
    assertFalse(Loopback.isLoopbackHost(host), host);
  }

  @Test
  void addressesAreIpLiteralsOnly() {
    assertTrue(Loopback.isLoopbackAddress("127.0.0.1"));
    assertTrue(Loopback.isLoopbackAddress("0:0:0:0:0:0:0:1"));
    assertFalse(Loopback.isLoopbackAddress("localhost"));
    assertFalse(Loopback.isLoopbackHost(null));
  }

  @Test
  void httpsUnlessLoopback() {
    assertNull(HttpUrls.problem("http://127.0.0.1:8080/token", false));
    assertNull(HttpUrls.problem("http://localhost/token", false));
    assertNull(HttpUrls.problem("http://[::1]:9/token", false));
    assertNull(HttpUrls.problem("https://idp.example/token", false));
    assertNull(HttpUrls.problem("http://idp.example/token", true));
    refused("http://127.evil.example/token", "plain http is only allowed for loopback hosts");
    refused("http://localhost.evil.example/token", "plain http is only allowed for loopback hosts");
    refused("http://idp.example/token", "plain http is only allowed for loopback hosts");
    refused("ftp://idp.example/", "must be an absolute http(s) URL");
    refused("https://user:pw@idp.example/", "must not contain user info or a fragment");
  }

  private static void refused(String url, String problem) {
    Executable call = () -> HttpUrls.require("idp.tokenEndpoint", url, false);
    ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class, call);
    assertEquals("idp.tokenEndpoint", e.field());
    assertTrue(e.problem().startsWith(problem), e.problem());
  }
}
