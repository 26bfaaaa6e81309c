package dev.tokenbroker.students.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.students.StudentsVerticle;
import dev.tokenbroker.students.support.Await;
import dev.tokenbroker.students.support.JwksServer;
import dev.tokenbroker.students.support.Jwts;
import dev.tokenbroker.students.support.TestKeys;
import dev.tokenbroker.students.support.TestServers;
import dev.tokenbroker.students.support.TestTokens;
import dev.tokenbroker.testing.MutableClock;
import dev.tokenbroker.testing.RawHttp;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile and broken input sent as raw bytes: every malformed {@code Authorization} header and
 * every malformed token is a 401, never a 5xx, and no answer echoes any part of the token.
 */
@ExtendWith(VertxExtension.class)
class MalformedInputTest {

  private final MutableClock clock = MutableClock.atSystemTime();
  private Vertx vertx;
  private StudentsVerticle rs;
  private String valid;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    JwksServer idp =
        Await.result(
            new JwksServer().keys(TestKeys.rsaJwk(TestKeys.RSA_A, "key-a", "RS256")).start(vertx));
    rs = TestServers.deploy(vertx, TestServers.options(idp), clock);
    valid = TestTokens.rs256(TestKeys.RSA_A, "key-a", TestTokens.claims(clock.epochSecond()));
  }

  private RawHttp.Response send(List<byte[]> headerLines) {
    return Await.result(
        RawHttp.send(vertx, rs.actualPort(), RawHttp.get("/students", headerLines)));
  }

  private RawHttp.Response sendAuthorization(String value) {
    return send(List.of(RawHttp.line("Authorization: " + value)));
  }

  @Test
  void validTokenOverRawSocketIsAccepted() {
    assertEquals(200, sendAuthorization("Bearer " + valid).status());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "Bearer",
        "Bearer ",
        "Bearer  TOKEN",
        "Bearer TOKEN extra",
        "Bearer\tTOKEN",
        "Bearer TOKEN,Bearer TOKEN",
        "Bearer \"TOKEN\"",
        "Bearer ===",
        "Bearer a=b",
        "Bearer %54OKEN",
        "Basic dXNlcjpwYXNz",
        "Digest username=\"x\"",
        "Token TOKEN",
        "BearerTOKEN",
        "Bearer: TOKEN",
        "Bearer TOKEN;",
        "Bearer null",
        "Bearer undefined",
        "Bearer .",
        "Bearer ..",
        "Bearer a.b.c"
      })
  void malformedAuthorizationHeadersAre401(String template) {
    RawHttp.Response response = sendAuthorization(template.replace("TOKEN", valid));
    assertEquals(401, response.status(), template);
    assertTrue(response.header("WWW-Authenticate").startsWith("Bearer realm=\"students\""));
    assertFalse(response.body().contains(valid.substring(0, 20)));
  }

  @Test
  void twoAuthorizationHeadersAre401InvalidRequest() {
    RawHttp.Response response =
        send(
            List.of(
                RawHttp.line("Authorization: Bearer " + valid),
                RawHttp.line("Authorization: Bearer " + valid)));
    assertEquals(401, response.status());
    assertTrue(response.header("WWW-Authenticate").contains("error=\"invalid_request\""));
  }

  @Test
  void nonAsciiAuthorizationIs401() {
    byte[] utf8 = ("Authorization: Bearer é" + valid).getBytes(StandardCharsets.UTF_8);
    RawHttp.Response response = send(List.of(utf8));
    assertEquals(401, response.status());
    byte[] latin1 =
        ("Authorization: Bearer " + valid + "\u00ff").getBytes(StandardCharsets.ISO_8859_1);
    assertEquals(401, send(List.of(latin1)).status());
  }

  @Test
  void hugeAuthorizationHeaderIsRefusedWithout5xx() {
    RawHttp.Response response = sendAuthorization("Bearer " + "a".repeat(9000));
    assertEquals(401, response.status());
    assertTrue(response.header("WWW-Authenticate").contains("token too large"));
    int status = sendAuthorization("Bearer " + "a".repeat(40_000)).status();
    assertTrue(status >= 400 && status < 500, "status " + status);
  }

  @Test
  void randomTokensNeverCause5xxNorEchoTheToken() {
    Random random = new Random(42);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~+/=";
    List<String> corpus = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      StringBuilder t = new StringBuilder();
      int length = 1 + random.nextInt(300);
      for (int j = 0; j < length; j++) {
        t.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      corpus.add(t.toString());
    }
    String[] parts = valid.split("\\.");
    corpus.add(parts[0] + "." + parts[1]);
    corpus.add(parts[0] + "." + parts[1] + "." + parts[2] + "." + parts[2]);
    corpus.add(parts[1] + "." + parts[0] + "." + parts[2]);
    corpus.add(
        Jwts.b64("{\"alg\":\"RS256\",\"kid\":{\"$ne\":1}}") + "." + parts[1] + "." + parts[2]);
    corpus.add(Jwts.b64("{\"alg\":[\"RS256\"]}") + "." + parts[1] + "." + parts[2]);
    corpus.add(
        Jwts.b64("{\"alg\":\"RS256\"," + "\"x\":[".repeat(2000) + "]".repeat(2000) + "}")
            + ".e30.c2ln");
    corpus.add(
        parts[0] + "." + Jwts.b64("{\"exp\":1e400,\"iss\":1,\"aud\":null}") + "." + parts[2]);
    for (String token : corpus) {
      RawHttp.Response response = sendAuthorization("Bearer " + token);
      assertEquals(401, response.status(), token);
      String challenge = response.header("WWW-Authenticate");
      if (token.length() > 12) {
        assertFalse(challenge.contains(token) || response.body().contains(token), token);
      }
      assertTrue(
          challenge.matches(
              "Bearer realm=\"students\"(, error=\"[a-z_]+\", error_description=\"[ -!#-\\[\\]-~]*\")?"),
          challenge);
    }
  }
}
