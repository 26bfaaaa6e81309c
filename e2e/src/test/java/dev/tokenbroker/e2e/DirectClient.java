package dev.tokenbroker.e2e;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.time.Duration;
import java.util.UUID;

/**
 * The test talking to the {@code clientauth} realm's https token endpoint itself, without the
 * broker: client assertions crafted and signed here (with {@code vertx-auth-jwt}), and {@code
 * tls_client_auth} requests presenting a chosen certificate. Used to check the realm set-up, and to
 * show that what Keycloak refuses through the broker it refuses directly too.
 */
final class DirectClient {

  static final String JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

  private final Vertx vertx;
  private final ClientAuthRealm realm;
  private final TestPki pki;

  DirectClient(Vertx vertx, KeycloakServer keycloak) {
    this.vertx = vertx;
    this.realm = keycloak.clientAuth();
    this.pki = keycloak.pki();
  }

  /**
   * RFC 7523 claims for {@code clientId}: iss = sub = client, a fresh jti, iat and exp as given.
   */
  static JsonObject claims(String clientId, String audience, long iat, long exp) {
    return new JsonObject()
        .put("iss", clientId)
        .put("sub", clientId)
        .put("aud", audience)
        .put("jti", UUID.randomUUID().toString())
        .put("iat", iat)
        .put("exp", exp);
  }

  /**
   * {@code claims} signed as given (no timestamps added) with {@code key}, its kid in the header.
   */
  String sign(ClientKey key, JsonObject claims) {
    return sign(
        new PubSecKeyOptions()
            .setAlgorithm(key.algorithm())
            .setId(key.kid())
            .setBuffer(key.privateKeyPem()),
        claims);
  }

  /** {@code claims} signed HS256 with {@code secret} (client_secret_jwt). */
  String signHs256(String secret, JsonObject claims) {
    return sign(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret), claims);
  }

  private String sign(PubSecKeyOptions key, JsonObject claims) {
    JWTAuth jwt = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(key));
    return jwt.generateToken(
        claims, new JWTOptions().setAlgorithm(key.getAlgorithm()).setNoTimestamp(true));
  }

  /** {@code client_credentials} with a client assertion, straight to Keycloak. */
  Future<Apps.Reply> assertionGrant(String clientId, String assertion, String scope) {
    MultiMap form =
        MultiMap.caseInsensitiveMultiMap()
            .add("grant_type", "client_credentials")
            .add("client_id", clientId)
            .add("client_assertion_type", JWT_BEARER)
            .add("client_assertion", assertion);
    if (scope != null) {
      form.add("scope", scope);
    }
    return post(null, form);
  }

  /**
   * {@code client_credentials} for {@code clientId} over mTLS presenting {@code cert} (or none).
   */
  Future<Apps.Reply> tlsGrant(String clientId, TestPki.Issued cert, String scope) {
    MultiMap form =
        MultiMap.caseInsensitiveMultiMap()
            .add("grant_type", "client_credentials")
            .add("client_id", clientId);
    if (scope != null) {
      form.add("scope", scope);
    }
    return post(cert, form);
  }

  /** {@code GET} over https, trusting the test CA only. */
  Future<Apps.Reply> get(String url) {
    WebClient https = https(null);
    return https
        .getAbs(url)
        .timeout(Duration.ofSeconds(15).toMillis())
        .send()
        .map(r -> new Apps.Reply(r.statusCode(), r.bodyAsString() == null ? "" : r.bodyAsString()))
        .andThen(done -> https.close());
  }

  private Future<Apps.Reply> post(TestPki.Issued cert, MultiMap form) {
    WebClient https = https(cert);
    return https
        .postAbs(realm.tokenEndpoint())
        .timeout(Duration.ofSeconds(15).toMillis())
        .sendForm(form)
        .map(r -> new Apps.Reply(r.statusCode(), r.bodyAsString() == null ? "" : r.bodyAsString()))
        .andThen(done -> https.close());
  }

  /** A client that trusts only the test CA and presents {@code cert} when asked, if given. */
  private WebClient https(TestPki.Issued cert) {
    WebClientOptions options =
        new WebClientOptions()
            .setTrustOptions(new PemTrustOptions().addCertPath(pki.caFile().toString()));
    if (cert != null) {
      options.setKeyCertOptions(
          new PemKeyCertOptions()
              .setCertPath(cert.certFile().toString())
              .setKeyPath(cert.keyFile().toString()));
    }
    return WebClient.create(vertx, options);
  }
}
