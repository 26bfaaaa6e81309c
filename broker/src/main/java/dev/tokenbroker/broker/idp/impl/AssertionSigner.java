package dev.tokenbroker.broker.idp.impl;

import dev.tokenbroker.broker.config.Secret;
import dev.tokenbroker.broker.config.SigningKey;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

/**
 * Signs client assertions with one key through vertx-auth-jwt: a private key ({@code
 * private_key_jwt}, RS256/PS256/ES256 with the key's {@code kid}) or the client secret ({@code
 * client_secret_jwt}, HS256, no {@code kid}). Built once per key (file version or secret) and
 * reused; signing is CPU only.
 */
final class AssertionSigner {

  private final JWTAuth jwt;
  private final JWTOptions options;
  private final Object source;

  private AssertionSigner(JWTAuth jwt, JWTOptions options, Object source) {
    this.jwt = jwt;
    this.options = options;
    this.source = source;
  }

  static AssertionSigner of(Vertx vertx, SigningKey key) {
    String alg = key.algorithm().name();
    JWTAuthOptions auth = new JWTAuthOptions();
    if (key.revealJwk() != null) {
      auth.addJwk(key.revealJwk());
    } else {
      auth.addPubSecKey(
          new PubSecKeyOptions().setAlgorithm(alg).setBuffer(key.revealPem()).setId(key.keyId()));
    }
    return new AssertionSigner(JWTAuth.create(vertx, auth), jwtOptions(alg), key);
  }

  static AssertionSigner of(Vertx vertx, Secret secret) {
    JWTAuthOptions auth =
        new JWTAuthOptions()
            .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret.reveal()));
    return new AssertionSigner(JWTAuth.create(vertx, auth), jwtOptions("HS256"), secret);
  }

  private static JWTOptions jwtOptions(String alg) {
    // iat and exp come in the claims, from the injected clock; the library adds typ JWT and kid
    return new JWTOptions().setAlgorithm(alg).setNoTimestamp(true).setHeader(new JsonObject());
  }

  /** The key or secret this signer was built from (identity decides whether to rebuild). */
  Object source() {
    return source;
  }

  String sign(JsonObject claims) {
    return jwt.generateToken(claims, options);
  }

  @Override
  public String toString() {
    return "AssertionSigner{" + options.getAlgorithm() + "}";
  }
}
