package dev.tokenbroker.broker.api.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.testing.RunningBroker;
import dev.tokenbroker.broker.testing.TestIdp;
import dev.tokenbroker.testing.MutableClock;
import dev.tokenbroker.testing.RawHttp;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.net.PfxOptions;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An https upstream whose certificate comes from a CA made at test time: verified against {@code
 * trustFile}, refused (502, nothing sent) against the JDK's trust store or another CA.
 */
@ExtendWith(VertxExtension.class)
class UpstreamTlsTest {

  @TempDir static Path dir;
  private static TestCa ca;
  private static TestCa otherCa;
  private TestIdp idp;
  private FakeUpstream upstream;
  private RunningBroker broker;

  /** keytool is a JVM per call: the CAs are made once for the class. */
  @BeforeAll
  static void makeCas() throws Exception {
    ca = TestCa.create(dir, "good");
    otherCa = TestCa.create(dir, "other");
  }

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    idp = TestIdp.start(vertx);
    upstream =
        FakeUpstream.start(
            vertx,
            new HttpServerOptions()
                .setSsl(true)
                .setKeyCertOptions(
                    new PfxOptions()
                        .setPath(ca.serverKeyStore().toString())
                        .setPassword(TestCa.PASSWORD)));
    String url = "https://127.0.0.1:" + upstream.port();
    broker =
        RunningBroker.deploy(
            vertx,
            idp.brokerConfig()
                .put(
                    "proxies",
                    new JsonArray()
                        .add(
                            TokenProxyTest.proxy("trusted", url)
                                .put("trustFile", ca.caPem().toString()))
                        .add(TokenProxyTest.proxy("jdk-trust", url))
                        .add(
                            TokenProxyTest.proxy("other-ca", url)
                                .put("trustFile", otherCa.caPem().toString()))),
            MutableClock.atSystemTime(),
            false);
    TokenProxyTest.warm(broker);
  }

  @AfterEach
  void tearDown() throws Exception {
    broker.undeploy();
    upstream.close().await();
    idp.close();
  }

  private String get(String proxy) throws Exception {
    return RawHttp.exchange(
        broker.verticle().actualProxyPort(proxy),
        "GET /students HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  }

  private double count(String proxy, String outcome) {
    Counter c =
        broker
            .verticle()
            .metrics()
            .registry()
            .find("token_broker_proxy_requests")
            .tags("proxy", proxy, "outcome", outcome)
            .counter();
    return c == null ? -1 : c.count();
  }

  @Test
  void anUpstreamCertificateFromTheConfiguredCaIsAccepted() throws Exception {
    String answer = get("trusted");

    assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
    assertEquals(1, upstream.seen.size());
    assertTrue(upstream.seen.get(0).headers().get("Authorization").startsWith("Bearer "));
    assertEquals("127.0.0.1:" + upstream.port(), upstream.seen.get(0).headers().get("Host"));
  }

  @Test
  void anUntrustedUpstreamCertificateIsRefusedWith502() throws Exception {
    String jdk = get("jdk-trust");
    String other = get("other-ca");

    assertTrue(jdk.startsWith("HTTP/1.1 502"), jdk);
    assertTrue(other.startsWith("HTTP/1.1 502"), other);
    assertTrue(other.contains("\"error\":\"bad_gateway\""), other);
    assertEquals(0, upstream.seen.size(), "no request (and no token) sent over an unverified TLS");
    assertEquals(1.0, count("jdk-trust", "upstream_failed"));
    assertEquals(1.0, count("other-ca", "upstream_failed"));
  }
}
