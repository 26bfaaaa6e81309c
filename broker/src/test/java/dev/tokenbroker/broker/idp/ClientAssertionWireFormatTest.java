package dev.tokenbroker.broker.idp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.testing.FaultProxy;
import dev.tokenbroker.broker.testing.TestIdp;
import dev.tokenbroker.broker.testing.TestKeys;
import dev.tokenbroker.broker.token.TokenKey;
import dev.tokenbroker.testing.MutableClock;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code private_key_jwt} and {@code client_secret_jwt} on the wire: the form as the IdP receives
 * it, compared whole, and the assertion's header, claims and signature, checked with the JDK. The
 * IdP is the embedded mock-oauth2-server (which accepts the assertion and issues the token) behind
 * the recording proxy.
 */
@ExtendWith(VertxExtension.class)
class ClientAssertionWireFormatTest {

  private static final TokenRequest KEY =
      TokenKey.of(TestIdp.AUDIENCE, List.of("read:students")).request();

  @TempDir Path dir;
  private TestIdp idp;
  private Vertx vertx;
  private MutableClock clock;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    this.vertx = vertx;
    clock = MutableClock.atSystemTime();
    idp = TestIdp.start(vertx, clock);
  }

  @AfterEach
  void tearDown() throws Exception {
    idp.close();
  }

  private Path write(String name, String content) throws Exception {
    Path p = dir.resolve(name);
    Files.writeString(p, content);
    return p;
  }

  private JsonObject privateKeyJwt(Path keyFile, String alg) {
    JsonObject o =
        new JsonObject()
            .put("clientSecret", (String) null)
            .put("authMethod", "private_key_jwt")
            .put("privateKeyFile", keyFile.toString());
    o.remove("clientSecret");
    if (alg != null) {
      o.put("signingAlgorithm", alg);
    }
    return o;
  }

  /** Two fetches; returns their assertions after checking the whole form and the headers. */
  private List<String> twoAssertions(JsonObject overrides) {
    JsonObject config =
        new JsonObject()
            .put("tokenEndpoint", idp.tokenEndpoint())
            .put("clientId", TestIdp.CLIENT_ID)
            // a loaded CI machine: the mock IdP's first answer can take seconds
            .put("requestTimeoutMillis", 30_000)
            .mergeIn(overrides);
    var client =
        new dev.tokenbroker.broker.idp.impl.HttpIdpClient(
            vertx,
            new dev.tokenbroker.broker.config.IdpOptions(
                new dev.tokenbroker.common.config.ConfigReader("idp", config)),
            clock);
    TokenResponse first = client.fetch(KEY).await();
    assertEquals("Bearer", first.tokenType(), "the mock IdP accepted the assertion");
    clock.advanceSeconds(5);
    client.fetch(KEY).await();
    client.close().await();
    List<FaultProxy.Recorded> recorded = idp.proxy().recorded();
    assertEquals(2, recorded.size());
    List<String> assertions = new java.util.ArrayList<>();
    for (FaultProxy.Recorded r : recorded) {
      assertEquals("POST", r.method());
      assertEquals("/default/token", r.path());
      assertNull(r.headers().get("Authorization"), "no other client authentication");
      assertEquals("application/x-www-form-urlencoded", r.headers().get("Content-Type"));
      assertEquals("application/json", r.headers().get("Accept"));
      String assertion = formValue(r.body(), "client_assertion");
      String expected =
          "grant_type=client_credentials&scope=read%3Astudents&audience="
              + enc(TestIdp.AUDIENCE)
              + "&client_id="
              + enc(TestIdp.CLIENT_ID)
              + "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
              + "&client_assertion="
              + assertion;
      assertEquals(expected, r.body(), "the form, byte by byte");
      assertions.add(assertion);
    }
    return assertions;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String formValue(String body, String name) {
    for (String pair : body.split("&")) {
      String[] kv = pair.split("=", 2);
      if (kv[0].equals(name)) {
        // a compact JWS is base64url and dots: form encoding leaves it as is
        assertEquals(kv[1], URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
        return kv[1];
      }
    }
    throw new AssertionError("no " + name + " in " + body.replaceAll("assertion=[^&]+", ""));
  }

  /** The claims every assertion must carry, and that two of them differ in jti and iat. */
  private void checkClaims(List<String> assertions, String aud) {
    long start = clock.millis() / 1000 - 5;
    JsonObject a = TestKeys.claims(assertions.get(0));
    JsonObject b = TestKeys.claims(assertions.get(1));
    for (JsonObject c : List.of(a, b)) {
      assertEquals(Set.of("iss", "sub", "aud", "jti", "iat", "exp"), c.fieldNames());
      assertEquals(TestIdp.CLIENT_ID, c.getString("iss"));
      assertEquals(TestIdp.CLIENT_ID, c.getString("sub"));
      assertEquals(aud, c.getString("aud"));
      assertEquals(60, c.getLong("exp") - c.getLong("iat"), "exp at most 60 s after iat");
    }
    assertEquals(start, a.getLong("iat"), "iat from the injected clock");
    assertEquals(start + 5, b.getLong("iat"), "a fresh assertion per request");
    assertNotEquals(a.getString("jti"), b.getString("jti"), "jti unique");
    assertTrue(a.getString("jti").length() >= 16);
  }

  private void checkSigned(List<String> assertions, KeyPair pair, String alg, String kid)
      throws Exception {
    for (String jws : assertions) {
      JsonObject h = TestKeys.header(jws);
      assertEquals(new JsonObject().put("typ", "JWT").put("alg", alg).put("kid", kid), h);
      assertTrue(TestKeys.verifies(jws, pair.getPublic(), null), alg + " signature verifies");
    }
  }

  @Test
  void rs256FromPemCarriesTheThumbprintAsKid() throws Exception {
    KeyPair pair = TestKeys.rsa();
    Path key = write("key.pem", TestKeys.pkcs8(pair.getPrivate()));
    List<String> a = twoAssertions(privateKeyJwt(key, null));
    checkClaims(a, idp.tokenEndpoint());
    checkSigned(a, pair, "RS256", TestKeys.thumbprint(pair.getPublic()));
  }

  @Test
  void ps256WithAConfiguredKeyId() throws Exception {
    KeyPair pair = TestKeys.rsa();
    Path key = write("key.pem", TestKeys.pkcs8(pair.getPrivate()));
    List<String> a = twoAssertions(privateKeyJwt(key, "PS256").put("keyId", "orders-2026"));
    checkClaims(a, idp.tokenEndpoint());
    checkSigned(a, pair, "PS256", "orders-2026");
  }

  @Test
  void es256FromPemIsJoseFormatNotDer() throws Exception {
    KeyPair pair = TestKeys.ec();
    Path key = write("key.pem", TestKeys.pkcs8(pair.getPrivate()));
    List<String> a = twoAssertions(privateKeyJwt(key, "ES256").put("keyId", "ec-1"));
    checkClaims(a, idp.tokenEndpoint());
    checkSigned(a, pair, "ES256", "ec-1");
  }

  @Test
  void es256FromAJwkWithoutKidUsesItsThumbprint() throws Exception {
    KeyPair pair = TestKeys.ec();
    Path key = write("key.jwk", TestKeys.jwk(pair).encodePrettily());
    List<String> a = twoAssertions(privateKeyJwt(key, "ES256"));
    checkSigned(a, pair, "ES256", TestKeys.thumbprint(pair.getPublic()));
  }

  @Test
  void rsaJwkKidIsUsedAndAudienceCanBeTheIssuer() throws Exception {
    KeyPair pair = TestKeys.rsa();
    Path key = write("key.jwk", TestKeys.jwk(pair).put("kid", "jwk-kid-7").encode());
    JsonObject o =
        privateKeyJwt(key, null).put("assertionAudience", "issuer").put("issuer", idp.issuer());
    List<String> a = twoAssertions(o);
    checkClaims(a, idp.issuer());
    checkSigned(a, pair, "RS256", "jwk-kid-7");
  }

  @Test
  void clientSecretJwtIsHs256WithTheSecretAndNoKid() throws Exception {
    List<String> a =
        twoAssertions(
            new JsonObject()
                .put("clientSecret", TestIdp.CLIENT_SECRET)
                .put("authMethod", "client_secret_jwt"));
    checkClaims(a, idp.tokenEndpoint());
    for (String jws : a) {
      assertEquals(new JsonObject().put("typ", "JWT").put("alg", "HS256"), TestKeys.header(jws));
      assertTrue(
          TestKeys.verifies(jws, null, TestIdp.CLIENT_SECRET.getBytes(StandardCharsets.UTF_8)));
      assertTrue(!jws.contains(enc(TestIdp.CLIENT_SECRET)) && !jws.contains("s3cret"));
    }
  }
}
