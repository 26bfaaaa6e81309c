package dev.tokenbroker.students.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.students.StudentsVerticle;
import dev.tokenbroker.students.config.StudentsOptions;
import dev.tokenbroker.students.config.TokenValidatorOptions;
import dev.tokenbroker.students.support.Await;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * End to end against a real OAuth 2.0 server (mock-oauth2-server): the resource server finds the
 * JWKS through OIDC discovery and accepts the tokens it issues only with our audience and scope.
 */
class MockOAuth2ServerTest {

  static final String ISSUER_ID = "students-idp";
  static final String AUDIENCE = "https://students-api";

  static MockOAuth2Server idp;
  static Vertx vertx;
  static WebClient client;
  static StudentsVerticle rs;

  @BeforeAll
  static void start() throws IOException {
    idp = new MockOAuth2Server();
    idp.start(freePort());
    vertx = Vertx.vertx();
    client = WebClient.create(vertx);
    StudentsOptions options =
        new StudentsOptions()
            .setPort(0)
            .setToken(
                new TokenValidatorOptions()
                    .setIssuer(idp.issuerUrl(ISSUER_ID).toString())
                    .setAudience(AUDIENCE));
    rs = new StudentsVerticle(options);
    Await.result(vertx.deployVerticle(rs));
  }

  @AfterAll
  static void stop() {
    Await.result(vertx.close());
    idp.shutdown();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private String token(List<String> audience, Map<String, Object> claims) {
    return idp.issueToken(
            ISSUER_ID,
            "m2m-client",
            new DefaultOAuth2TokenCallback(ISSUER_ID, "m2m-client", "JWT", audience, claims, 300))
        .serialize();
  }

  private HttpResponse<Buffer> get(String token) {
    return Await.result(
        client
            .get(rs.actualPort(), "127.0.0.1", "/students")
            .putHeader("Authorization", "Bearer " + token)
            .send());
  }

  @Test
  void acceptsIssuedTokenWithAudienceAndScope() {
    HttpResponse<Buffer> response = get(token(List.of(AUDIENCE), Map.of("scope", "read:students")));
    assertEquals(200, response.statusCode());
    assertEquals(
        "[{\"id\":1,\"name\":\"Ada\"},{\"id\":2,\"name\":\"Alan\"}]", response.bodyAsString());
    assertEquals("application/json", response.getHeader("Content-Type"));
  }

  @Test
  void refusesIssuedTokenWithoutScope() {
    HttpResponse<Buffer> response = get(token(List.of(AUDIENCE), Map.of("scope", "openid")));
    assertEquals(403, response.statusCode());
    assertEquals(
        "Bearer realm=\"students\", error=\"insufficient_scope\", scope=\"read:students\"",
        response.getHeader("WWW-Authenticate"));
  }

  @Test
  void refusesIssuedTokenForAnotherAudience() {
    HttpResponse<Buffer> response =
        get(token(List.of("https://other-api"), Map.of("scope", "read:students")));
    assertEquals(401, response.statusCode());
    assertTrue(response.getHeader("WWW-Authenticate").contains("invalid audience"));
  }

  @Test
  void readinessFollowsDiscoveredKeys() {
    HttpResponse<Buffer> ready =
        Await.result(client.get(rs.actualPort(), "127.0.0.1", "/health/ready").send());
    assertEquals(200, ready.statusCode());
  }
}
