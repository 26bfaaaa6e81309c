package dev.tokenbroker.e2e;

import static dev.tokenbroker.e2e.KeycloakServer.BROKER_CLIENT_ID;
import static dev.tokenbroker.e2e.KeycloakServer.STUDENTS_AUDIENCE;
import static dev.tokenbroker.e2e.KeycloakServer.STUDENTS_SCOPE;
import static dev.tokenbroker.e2e.KeycloakServer.TOKEN_LIFESPAN;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpResponseExpectation;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Checks the demo realm itself, without the broker: what a {@code client_credentials} token of
 * {@code token-broker} looks like, how a wrong secret is refused, and that key rotation through the
 * admin API replaces the kid in tokens and in the JWKS. The other tests rely on all of this.
 *
 * <p>Each step awaits its {@code Future} on the JUnit thread (never an event loop) with a deadline,
 * so a scenario reads top to bottom.
 */
@ExtendWith({VertxExtension.class, KeycloakExtension.class})
class KeycloakSmokeTest {

  private KeycloakServer keycloak;
  private WebClient client;

  @BeforeEach
  void setUp(Vertx vertx, KeycloakServer keycloak) {
    this.keycloak = keycloak;
    this.client = WebClient.create(vertx);
  }

  @Test
  void discoveryNamesTheIssuerGivenByHostname() {
    JsonObject discovery = keycloak.discovery();
    assertEquals(keycloak.issuer(), discovery.getString("issuer"));
    assertTrue(
        discovery
            .getJsonArray("token_endpoint_auth_methods_supported")
            .getList()
            .containsAll(List.of("client_secret_basic", "client_secret_post")),
        discovery.encodePrettily());
  }

  @ParameterizedTest
  @EnumSource(ClientAuthMethod.class)
  void clientCredentialsTokenIsForStudentsApi(ClientAuthMethod method) throws Exception {
    JsonObject body = requestToken(method, keycloak.brokerClientSecret(), STUDENTS_SCOPE);

    assertEquals("Bearer", body.getString("token_type"));
    assertEquals(TOKEN_LIFESPAN.toSeconds(), body.getLong("expires_in"));
    Jwt jwt = Jwt.decode(body.getString("access_token"));
    assertEquals(keycloak.issuer(), jwt.issuer());
    assertTrue(jwt.audiences().contains(STUDENTS_AUDIENCE), jwt.claims().encode());
    assertTrue(jwt.scopes().contains(STUDENTS_SCOPE), jwt.claims().encode());
    assertEquals(TOKEN_LIFESPAN, Duration.between(jwt.issuedAt(), jwt.expiresAt()), "exp - iat");
    assertEquals(BROKER_CLIENT_ID, jwt.claims().getString("azp"));
  }

  @Test
  void studentsScopeIsOptionalButAudienceIsAlwaysThere() throws Exception {
    JsonObject body =
        requestToken(ClientAuthMethod.CLIENT_SECRET_BASIC, keycloak.brokerClientSecret(), null);

    Jwt jwt = Jwt.decode(body.getString("access_token"));
    assertFalse(jwt.scopes().contains(STUDENTS_SCOPE), jwt.claims().encode());
    assertTrue(jwt.audiences().contains(STUDENTS_AUDIENCE), jwt.claims().encode());
  }

  @ParameterizedTest
  @EnumSource(ClientAuthMethod.class)
  void wrongSecretIsUnauthorizedClient(ClientAuthMethod method) throws Exception {
    HttpResponse<Buffer> response =
        method
            .requestToken(
                client,
                keycloak.tokenEndpoint(),
                BROKER_CLIENT_ID,
                "wrong-" + KeycloakServer.randomSecret(),
                STUDENTS_SCOPE)
            .await(30, SECONDS);

    System.out.printf(
        "Keycloak, wrong secret (%s): %d %s%n",
        method.configValue(), response.statusCode(), response.bodyAsString());
    assertEquals(401, response.statusCode());
    assertEquals("unauthorized_client", response.bodyAsJsonObject().getString("error"));
  }

  @Test
  void jwksPublishesAnEncryptionKeyNextToTheSigningKey() throws Exception {
    List<JsonObject> keys = jwks();

    assertTrue(keys.stream().anyMatch(k -> "enc".equals(k.getString("use"))), keys.toString());
    assertTrue(
        keys.stream()
            .anyMatch(k -> "sig".equals(k.getString("use")) && "RS256".equals(k.getString("alg"))),
        keys.toString());
  }

  @Test
  void setClientSecretReplacesTheSecret() throws Exception {
    String original = keycloak.brokerClientSecret();
    String replacement = KeycloakServer.randomSecret();
    try {
      keycloak.setClientSecret(BROKER_CLIENT_ID, replacement);

      assertEquals(
          401,
          ClientAuthMethod.CLIENT_SECRET_BASIC
              .requestToken(client, keycloak.tokenEndpoint(), BROKER_CLIENT_ID, original, null)
              .await(30, SECONDS)
              .statusCode());
      requestToken(ClientAuthMethod.CLIENT_SECRET_BASIC, replacement, null);
    } finally {
      keycloak.setClientSecret(BROKER_CLIENT_ID, original);
    }
  }

  @Test
  void rotationSignsNewTokensWithTheNewKeyAndDropsTheOldKidFromJwks() throws Exception {
    String kidBefore =
        Jwt.decode(
                requestToken(
                        ClientAuthMethod.CLIENT_SECRET_BASIC, keycloak.brokerClientSecret(), null)
                    .getString("access_token"))
            .kid();

    KeycloakServer.KeyRotation rotation = keycloak.rotateSigningKey();

    assertTrue(rotation.oldKids().contains(kidBefore), rotation.toString());
    assertNotEquals(kidBefore, rotation.newKid());
    Set<String> published =
        jwks().stream().map(k -> k.getString("kid")).collect(Collectors.toSet());
    assertTrue(published.contains(rotation.newKid()), published.toString());
    assertTrue(
        rotation.oldKids().stream().noneMatch(published::contains),
        "old kids still published: " + published);
    String kidAfter =
        Jwt.decode(
                requestToken(
                        ClientAuthMethod.CLIENT_SECRET_POST, keycloak.brokerClientSecret(), null)
                    .getString("access_token"))
            .kid();
    assertEquals(rotation.newKid(), kidAfter);
  }

  private JsonObject requestToken(ClientAuthMethod method, String secret, String scope)
      throws Exception {
    return method
        .requestToken(client, keycloak.tokenEndpoint(), BROKER_CLIENT_ID, secret, scope)
        .expecting(HttpResponseExpectation.SC_OK)
        .await(30, SECONDS)
        .bodyAsJsonObject();
  }

  private List<JsonObject> jwks() throws Exception {
    return client
        .getAbs(keycloak.jwksUri())
        .send()
        .expecting(HttpResponseExpectation.SC_OK)
        .await(30, SECONDS)
        .bodyAsJsonObject()
        .getJsonArray("keys")
        .stream()
        .map(JsonObject.class::cast)
        .toList();
  }
}
