package dev.tokenbroker.broker.idp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.config.IdpOptions;
import dev.tokenbroker.broker.idp.impl.HttpIdpClient;
import dev.tokenbroker.broker.idp.impl.IdpClients;
import dev.tokenbroker.broker.testing.TestIdp;
import dev.tokenbroker.broker.testing.TestKeys;
import dev.tokenbroker.broker.token.TokenKey;
import dev.tokenbroker.common.config.ConfigReader;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.junit5.VertxExtension;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tls_client_auth} and {@code self_signed_tls_client_auth} (RFC 8705) against an https
 * capturing token endpoint on 127.0.0.1 that requires a client certificate: what it sees on the
 * connection and in the form, the {@code mtls_endpoint_aliases} of discovery, a certificate-bound
 * token passed through unchanged, and a certificate rotated by a {@code ..data} swap.
 */
@ExtendWith(VertxExtension.class)
class MutualTlsTest {

  private static final TokenRequest KEY =
      TokenKey.of(TestIdp.AUDIENCE, List.of("read:students")).request();

  /** A request as the capturing endpoint saw it. */
  record Seen(String path, MultiMap headers, String body, Certificate clientCert) {}

  @TempDir Path dir;
  private Vertx vertx;
  private HttpServer server;
  private String base;
  private TestKeys.CertFiles serverCert;
  private TestKeys.CertFiles clientCert;
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final List<String> issued = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    this.vertx = vertx;
    serverCert = TestKeys.selfSigned(dir, "server", "idp.test");
    clientCert = TestKeys.selfSigned(dir, "client", "svc-orders");
  }

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.close().await();
    }
  }

  private void startIdp(Path... trustedClientCerts) {
    PemTrustOptions trust = new PemTrustOptions();
    for (Path p : trustedClientCerts) {
      trust.addCertPath(p.toString());
    }
    server =
        vertx
            .createHttpServer(
                new HttpServerOptions()
                    .setSsl(true)
                    .setClientAuth(ClientAuth.REQUIRED)
                    .setKeyCertOptions(
                        new PemKeyCertOptions()
                            .setCertPath(serverCert.cert().toString())
                            .setKeyPath(serverCert.key().toString()))
                    .setTrustOptions(trust))
            .requestHandler(req -> req.body().onSuccess(b -> answer(req, b.toString())))
            .listen(0, "127.0.0.1")
            .await();
    base = "https://127.0.0.1:" + server.actualPort();
  }

  private void answer(HttpServerRequest req, String body) {
    req.response().putHeader("Content-Type", "application/json").putHeader("Connection", "close");
    if (req.path().equals("/.well-known/openid-configuration")) {
      req.response()
          .end(
              new JsonObject()
                  .put("issuer", base)
                  .put("token_endpoint", base + "/token")
                  .put(
                      "mtls_endpoint_aliases",
                      new JsonObject().put("token_endpoint", base + "/mtls/token"))
                  .encode());
      return;
    }
    Certificate peer;
    try {
      peer = req.connection().peerCertificates().get(0);
    } catch (Exception e) {
      req.response().setStatusCode(401).end("{\"error\":\"invalid_client\"}");
      return;
    }
    seen.add(new Seen(req.path(), req.headers(), body, peer));
    long now = System.currentTimeMillis() / 1000;
    String token;
    try {
      token =
          IdpAnswerTest.jwt(
              new JsonObject()
                  .put("aud", TestIdp.AUDIENCE)
                  .put("iat", now)
                  .put("exp", now + 600)
                  .put("cnf", new JsonObject().put("x5t#S256", x5t(peer))));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    issued.add(token);
    req.response()
        .end(
            new JsonObject()
                .put("access_token", token)
                .put("token_type", "Bearer")
                .put("expires_in", 600)
                .encode());
  }

  private static String x5t(Certificate c) throws Exception {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
  }

  private IdpOptions options(JsonObject idp) {
    return new IdpOptions(
        new ConfigReader(
            "idp",
            new JsonObject()
                .put("clientId", TestIdp.CLIENT_ID)
                .put("requestTimeoutMillis", 30_000)
                .mergeIn(idp)));
  }

  private static JsonObject tls(Path cert, Path key, Path trust) {
    return new JsonObject()
        .put("certFile", cert.toString())
        .put("keyFile", key.toString())
        .put("trustFile", trust.toString());
  }

  private static String expectedForm() {
    return "grant_type=client_credentials&scope=read%3Astudents&audience="
        + URLEncoder.encode(TestIdp.AUDIENCE, StandardCharsets.UTF_8)
        + "&client_id="
        + URLEncoder.encode(TestIdp.CLIENT_ID, StandardCharsets.UTF_8);
  }

  @Test
  void tlsClientAuthPresentsTheCertificateAndSendsOnlyTheClientId() throws Exception {
    startIdp(clientCert.cert());
    HttpIdpClient client =
        new HttpIdpClient(
            vertx,
            options(
                new JsonObject()
                    .put("tokenEndpoint", base + "/token")
                    .put("authMethod", "tls_client_auth")
                    .put("tls", tls(clientCert.cert(), clientCert.key(), serverCert.cert()))),
            Clock.systemUTC());
    TokenResponse r = client.fetch(KEY).await();
    client.close().await();
    assertEquals(1, seen.size());
    Seen s = seen.get(0);
    assertEquals("/token", s.path());
    assertEquals(clientCert.certificate(), s.clientCert(), "the configured certificate");
    assertNull(s.headers().get("Authorization"));
    assertEquals("application/x-www-form-urlencoded", s.headers().get("Content-Type"));
    assertEquals(expectedForm(), s.body(), "the form, byte by byte");
    assertEquals(issued.get(0), r.accessToken(), "the certificate-bound token, unchanged");
    assertEquals(
        x5t(clientCert.certificate()),
        TestKeys.claims(r.accessToken()).getJsonObject("cnf").getString("x5t#S256"));
  }

  @Test
  void discoveryPrefersTheMtlsAliasOfTheTokenEndpoint() throws Exception {
    startIdp(clientCert.cert());
    HttpIdpClient client =
        new HttpIdpClient(
            vertx,
            options(
                new JsonObject()
                    .put("issuer", base)
                    .put("authMethod", "self_signed_tls_client_auth")
                    .put("tls", tls(clientCert.cert(), clientCert.key(), serverCert.cert()))),
            Clock.systemUTC());
    client.fetch(KEY).await();
    client.close().await();
    assertEquals(1, seen.size());
    assertEquals("/mtls/token", seen.get(0).path());
    assertEquals(expectedForm(), seen.get(0).body());
  }

  private int generation;

  /** Writes tls.crt and tls.key together, as the kubelet swaps a Secret volume's ..data. */
  private void publish(Path mount, TestKeys.CertFiles files) throws Exception {
    Path d = mount.resolve("..2026_12_01_18_00_00." + (++generation));
    Files.createDirectories(d);
    Files.copy(files.cert(), d.resolve("tls.crt"));
    Files.copy(files.key(), d.resolve("tls.key"));
    Path data = mount.resolve("..data");
    boolean first = !Files.isSymbolicLink(data);
    Path tmp = mount.resolve("..data_tmp");
    Files.createSymbolicLink(tmp, d.getFileName());
    Files.move(tmp, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    if (first) {
      Files.createSymbolicLink(mount.resolve("tls.crt"), Path.of("..data", "tls.crt"));
      Files.createSymbolicLink(mount.resolve("tls.key"), Path.of("..data", "tls.key"));
    }
  }

  @Test
  void aRotatedCertificateIsPresentedOnTheNextConnection() throws Exception {
    TestKeys.CertFiles next = TestKeys.selfSigned(dir, "client2", "svc-orders-2027");
    startIdp(clientCert.cert(), next.cert());
    Path mount = Files.createDirectory(dir.resolve("mount"));
    publish(mount, clientCert);
    IdpOptions options =
        options(
            new JsonObject()
                .put("tokenEndpoint", base + "/token")
                .put("authMethod", "tls_client_auth")
                .put("secretReloadSeconds", 1)
                .put(
                    "tls",
                    tls(mount.resolve("tls.crt"), mount.resolve("tls.key"), serverCert.cert())));
    IdpClient[] client = new IdpClient[1];
    vertx.runOnContext(
        v -> client[0] = IdpClients.withSecretRotation(vertx, options, Clock.systemUTC()));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (client[0] == null && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    client[0].fetch(KEY).await();
    assertEquals(clientCert.certificate(), seen.get(0).clientCert());

    java.util.concurrent.LinkedBlockingQueue<String> reloads =
        new java.util.concurrent.LinkedBlockingQueue<>();
    java.util.logging.Handler h =
        new java.util.logging.Handler() {
          @Override
          public void publish(java.util.logging.LogRecord r) {
            if (r.getMessage().startsWith("client certificate updated")) {
              reloads.add(r.getMessage());
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    java.util.logging.Logger.getLogger("").addHandler(h);
    try {
      publish(mount, next);
      String line = reloads.poll(20, TimeUnit.SECONDS);
      assertTrue(line != null, "the client's TLS options were updated after the swap");
    } finally {
      java.util.logging.Logger.getLogger("").removeHandler(h);
    }
    client[0].fetch(KEY).await();
    assertEquals(
        next.certificate(),
        seen.get(seen.size() - 1).clientCert(),
        "the rotated certificate is presented without a restart");
    client[0].close().await();
  }
}
