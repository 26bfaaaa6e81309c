package dev.tokenbroker.e2e;

import static dev.tokenbroker.e2e.ClientAuthRealm.CLIENT_SECRET_JWT_CLIENT;
import static dev.tokenbroker.e2e.ClientAuthRealm.GRADES_AUDIENCE;
import static dev.tokenbroker.e2e.ClientAuthRealm.GRADES_SCOPE;
import static dev.tokenbroker.e2e.ClientAuthRealm.PRIVATE_KEY_JWT_CLIENT;
import static dev.tokenbroker.e2e.ClientAuthRealm.STUDENTS_AUDIENCE;
import static dev.tokenbroker.e2e.ClientAuthRealm.STUDENTS_SCOPE;
import static dev.tokenbroker.e2e.ClientAuthRealm.TLS_CLIENT;
import static dev.tokenbroker.e2e.ClientAuthRealm.TLS_CLIENT_DN;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Keycloak only, no broker: the {@code clientauth} realm works as the broker's tests assume. Its
 * discovery over https (test CA) names https endpoints and the three methods; a client assertion
 * signed here is accepted once and refused when replayed, expired, or signed with an unregistered
 * key; an HS256 assertion needs the right secret; X.509 needs the right subject and yields a
 * certificate-bound token. Prints Keycloak's refusals (documented in {@code
 * deploy/keycloak/README.md}).
 */
@ExtendWith({VertxExtension.class, KeycloakExtension.class})
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ClientAuthRealmTest {

  private static final long STEP = 30;

  private static KeycloakServer keycloak;
  private static ClientAuthRealm realm;
  private static DirectClient direct;
  private static JwksServer jwks;

  @BeforeAll
  static void setUp(Vertx vertx, KeycloakServer keycloak) throws Exception {
    ClientAuthRealmTest.keycloak = keycloak;
    realm = keycloak.clientAuth();
    direct = new DirectClient(vertx, keycloak);
    jwks = JwksServer.start(vertx).await(STEP, SECONDS);
    realm.useJwksUrl(jwks.url());
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (jwks != null) {
      jwks.close().await(STEP, SECONDS);
    }
  }

  @Test
  void discoveryOverHttpsNamesHttpsEndpointsAndTheThreeMethods() throws Exception {
    Apps.Reply reply =
        direct.get(realm.issuer() + "/.well-known/openid-configuration").await(STEP, SECONDS);
    assertEquals(200, reply.status(), reply.body());
    JsonObject discovery = reply.json();
    assertEquals(realm.issuer(), discovery.getString("issuer"));
    assertEquals(realm.tokenEndpoint(), discovery.getString("token_endpoint"));
    assertEquals(
        realm.tokenEndpoint(),
        discovery.getJsonObject("mtls_endpoint_aliases").getString("token_endpoint"));
    JsonArray methods = discovery.getJsonArray("token_endpoint_auth_methods_supported");
    for (String method : new String[] {"private_key_jwt", "client_secret_jwt", "tls_client_auth"}) {
      assertTrue(methods.contains(method), method + " not in " + methods);
    }
    assertTrue(discovery.getBoolean("tls_client_certificate_bound_access_tokens", false));
  }

  @Test
  void privateKeyJwtAssertionIsAcceptedOnceAndRefusedWhenReplayedExpiredOrUnregistered()
      throws Exception {
    ClientKey key = ClientKey.generate("RS256");
    jwks.publish(key);
    long now = Instant.now().getEpochSecond();

    // aud = the token endpoint (RFC 7523 §3), as the broker sends it by default.
    String assertion =
        direct.sign(
            key, DirectClient.claims(PRIVATE_KEY_JWT_CLIENT, realm.tokenEndpoint(), now, now + 60));
    Apps.Reply accepted =
        direct
            .assertionGrant(PRIVATE_KEY_JWT_CLIENT, assertion, STUDENTS_SCOPE)
            .await(STEP, SECONDS);
    assertEquals(200, accepted.status(), accepted.body());
    Jwt token = Jwt.decode(accepted.json().getString("access_token"));
    assertEquals(realm.issuer(), token.issuer());
    assertEquals(PRIVATE_KEY_JWT_CLIENT, token.claims().getString("azp"));
    assertTrue(token.audiences().contains(STUDENTS_AUDIENCE));

    // aud = the issuer (idp.assertionAudience: issuer) is accepted too.
    String toIssuer =
        direct.sign(
            key, DirectClient.claims(PRIVATE_KEY_JWT_CLIENT, realm.issuer(), now, now + 60));
    assertEquals(
        200,
        direct
            .assertionGrant(PRIVATE_KEY_JWT_CLIENT, toIssuer, null)
            .await(STEP, SECONDS)
            .status());

    Apps.Reply replayed =
        direct
            .assertionGrant(PRIVATE_KEY_JWT_CLIENT, assertion, STUDENTS_SCOPE)
            .await(STEP, SECONDS);
    assertRefused("replayed assertion", replayed);

    String expired =
        direct.sign(
            key,
            DirectClient.claims(
                PRIVATE_KEY_JWT_CLIENT, realm.tokenEndpoint(), now - 120, now - 60));
    assertRefused(
        "expired assertion",
        direct.assertionGrant(PRIVATE_KEY_JWT_CLIENT, expired, null).await(STEP, SECONDS));

    ClientKey unregistered = ClientKey.generate("RS256");
    String stranger =
        direct.sign(
            unregistered,
            DirectClient.claims(PRIVATE_KEY_JWT_CLIENT, realm.tokenEndpoint(), now, now + 60));
    assertRefused(
        "assertion signed with an unregistered key",
        direct.assertionGrant(PRIVATE_KEY_JWT_CLIENT, stranger, null).await(STEP, SECONDS));
  }

  @Test
  void clientSecretJwtNeedsTheSecret() throws Exception {
    String secret = KeycloakServer.randomSecret() + KeycloakServer.randomSecret();
    realm.setClientSecret(CLIENT_SECRET_JWT_CLIENT, secret);
    long now = Instant.now().getEpochSecond();

    String assertion =
        direct.signHs256(
            secret,
            DirectClient.claims(CLIENT_SECRET_JWT_CLIENT, realm.tokenEndpoint(), now, now + 60));
    Apps.Reply accepted =
        direct
            .assertionGrant(CLIENT_SECRET_JWT_CLIENT, assertion, GRADES_SCOPE)
            .await(STEP, SECONDS);
    assertEquals(200, accepted.status(), accepted.body());
    Jwt token = Jwt.decode(accepted.json().getString("access_token"));
    assertEquals(CLIENT_SECRET_JWT_CLIENT, token.claims().getString("azp"));
    assertTrue(token.audiences().contains(GRADES_AUDIENCE), token.claims().encode());
    assertTrue(token.scopes().contains(GRADES_SCOPE), token.claims().encode());

    String wrong =
        direct.signHs256(
            secret + "x",
            DirectClient.claims(CLIENT_SECRET_JWT_CLIENT, realm.tokenEndpoint(), now, now + 60));
    assertRefused(
        "HS256 assertion with a wrong secret",
        direct.assertionGrant(CLIENT_SECRET_JWT_CLIENT, wrong, null).await(STEP, SECONDS));
  }

  @Test
  void x509ClientNeedsTheRightSubjectAndGetsACertificateBoundToken() throws Exception {
    TestPki.Issued cert = keycloak.pki().issueClient("realm-test-client", TLS_CLIENT_DN);
    Apps.Reply accepted = direct.tlsGrant(TLS_CLIENT, cert, STUDENTS_SCOPE).await(STEP, SECONDS);
    assertEquals(200, accepted.status(), accepted.body());
    Jwt token = Jwt.decode(accepted.json().getString("access_token"));
    assertEquals(TLS_CLIENT, token.claims().getString("azp"));
    assertEquals(cert.x5tS256(), token.claims().getJsonObject("cnf").getString("x5t#S256"));

    TestPki.Issued stranger =
        keycloak.pki().issueClient("realm-test-stranger", "CN=someone-else,O=token-broker e2e");
    assertRefused(
        "certificate with another subject",
        direct.tlsGrant(TLS_CLIENT, stranger, null).await(STEP, SECONDS));
    assertRefused("no certificate", direct.tlsGrant(TLS_CLIENT, null, null).await(STEP, SECONDS));
  }

  private static void assertRefused(String what, Apps.Reply reply) {
    System.out.printf("Keycloak refuses (%s): %d %s%n", what, reply.status(), reply.body());
    assertTrue(reply.status() == 400 || reply.status() == 401, what + ": " + reply.body());
    assertTrue(reply.json().getString("error") != null, what + ": " + reply.body());
  }
}
