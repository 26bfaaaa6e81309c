package dev.tokenbroker.e2e;

import io.vertx.core.json.JsonObject;
import java.net.URI;

/**
 * The {@code clientauth} realm ({@code deploy/keycloak/realm-clientauth.json}): one client per
 * client authentication method the broker supports beyond client secrets, all served over https.
 *
 * <ul>
 *   <li>{@value #PRIVATE_KEY_JWT_CLIENT}: Keycloak's {@code client-jwt} authenticator; the public
 *       keys come from {@code jwks.url}, pointed at the test's {@link JwksServer} with {@link
 *       #useJwksUrl}. Token audience {@value #STUDENTS_AUDIENCE}.
 *   <li>{@value #CLIENT_SECRET_JWT_CLIENT}: {@code client-secret-jwt}, HS256 only; the secret is
 *       set by the test ({@link #setClientSecret}). Token audience {@value #GRADES_AUDIENCE}.
 *   <li>{@value #TLS_CLIENT}: {@code client-x509}; the certificate's subject DN must match the
 *       regular expression {@code CN=broker-tls-client-auth(?:,.*)?} (the test's certificates have
 *       {@value #TLS_CLIENT_DN}); tokens are certificate-bound ({@code cnf.x5t#S256}). Token
 *       audience {@value #STUDENTS_AUDIENCE}.
 * </ul>
 *
 * <p>The realm file cannot know the run's https port, so {@link #configure} sets the realm's {@code
 * frontendUrl} to it through the admin API right after Keycloak starts: from then on the issuer and
 * every endpoint in discovery (token endpoint, {@code mtls_endpoint_aliases}) are https URLs on the
 * test CA's certificate, whichever way the discovery document is fetched. The realm has {@code
 * sslRequired: all}; its JWKS is still served over http too, which is how students-rs (which has no
 * trust-store option) fetches it.
 */
final class ClientAuthRealm {

  static final String REALM = "clientauth";
  static final String PRIVATE_KEY_JWT_CLIENT = "broker-private-key-jwt";
  static final String CLIENT_SECRET_JWT_CLIENT = "broker-client-secret-jwt";
  static final String TLS_CLIENT = "broker-tls-client-auth";
  static final String TLS_CLIENT_DN = "CN=broker-tls-client-auth,O=token-broker e2e";
  static final String STUDENTS_AUDIENCE = "https://students-api";
  static final String STUDENTS_SCOPE = "read:students";
  static final String WRITE_STUDENTS_SCOPE = "write:students";
  static final String GRADES_AUDIENCE = "https://grades-api";
  static final String GRADES_SCOPE = "read:grades";

  private final KeycloakServer keycloak;

  ClientAuthRealm(KeycloakServer keycloak) {
    this.keycloak = keycloak;
  }

  /** Sets the realm's https frontend URL and checks that discovery now names the https issuer. */
  static void configure(KeycloakServer keycloak) {
    keycloak.updateRealm(
        REALM,
        realm -> {
          JsonObject attributes = realm.getJsonObject("attributes", new JsonObject());
          attributes.put("frontendUrl", keycloak.httpsBaseUri().toString());
          realm.put("attributes", attributes);
        });
    ClientAuthRealm realm = keycloak.clientAuth();
    JsonObject discovery =
        keycloak.getJson(
            keycloak.baseUri().resolve("/realms/" + REALM + "/.well-known/openid-configuration"));
    if (!realm.issuer().equals(discovery.getString("issuer"))
        || !realm.tokenEndpoint().equals(discovery.getString("token_endpoint"))) {
      throw new IllegalStateException(
          "realm " + REALM + " did not take the https frontend URL: " + discovery.encode());
    }
  }

  /** {@code https://127.0.0.1:HTTPS_PORT/realms/clientauth}. */
  String issuer() {
    return keycloak.httpsBaseUri() + "/realms/" + REALM;
  }

  String tokenEndpoint() {
    return issuer() + "/protocol/openid-connect/token";
  }

  /** The realm's JWKS over plain http (for students-rs' {@code jwksUri}). */
  String jwksUriOverHttp() {
    return keycloak.baseUri() + "/realms/" + REALM + "/protocol/openid-connect/certs";
  }

  /** Makes Keycloak fetch the public keys of {@value #PRIVATE_KEY_JWT_CLIENT} from {@code url}. */
  void useJwksUrl(String url) {
    keycloak.updateClient(
        REALM,
        PRIVATE_KEY_JWT_CLIENT,
        client ->
            client.getJsonObject("attributes").put("use.jwks.url", "true").put("jwks.url", url));
  }

  /** Replaces the secret of {@code clientId} in this realm. */
  void setClientSecret(String clientId, String secret) {
    keycloak.updateClient(REALM, clientId, client -> client.put("secret", secret));
  }

  URI httpsBaseUri() {
    return keycloak.httpsBaseUri();
  }
}
