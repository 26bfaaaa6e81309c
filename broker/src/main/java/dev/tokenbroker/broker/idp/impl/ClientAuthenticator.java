package dev.tokenbroker.broker.idp.impl;

import dev.tokenbroker.broker.config.IdpOptions;
import dev.tokenbroker.broker.config.Secret;
import dev.tokenbroker.broker.config.SigningKey;
import io.vertx.core.Vertx;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Puts the client authentication on one token request, per {@code idp.authMethod}:
 *
 * <ul>
 *   <li>{@code client_secret_basic}: {@code Authorization: Basic} of the form-encoded id and secret
 *       (RFC 6749 §2.3.1);
 *   <li>{@code client_secret_post}: {@code client_id} and {@code client_secret} in the form;
 *   <li>{@code client_secret_jwt} / {@code private_key_jwt}: {@code client_id}, {@code
 *       client_assertion_type} and a fresh {@code client_assertion} (RFC 7523 §2.2, OIDC Core §9):
 *       {@code iss} = {@code sub} = client id, {@code aud} = the token endpoint (or the issuer), a
 *       random {@code jti}, {@code iat} now and {@code exp} 60 s later on the injected clock;
 *   <li>{@code tls_client_auth} / {@code self_signed_tls_client_auth}: {@code client_id} only; the
 *       certificate goes in the TLS handshake (RFC 8705 §2).
 * </ul>
 *
 * The secret and key are read from their suppliers on every request, so rotated ones are used from
 * the next request on; what is derived from them (the Basic header, the signer) is rebuilt only
 * when they change.
 */
final class ClientAuthenticator {

  static final String JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

  private final Vertx vertx;
  private final IdpOptions options;
  private final Clock clock;
  private final Supplier<Secret> secret;
  private final Supplier<SigningKey> key;
  private volatile BasicAuthorization basic;
  private volatile AssertionSigner signer;

  /** The Authorization header for one secret, kept while that secret is in use. */
  private record BasicAuthorization(Secret secret, String header) {}

  ClientAuthenticator(
      Vertx vertx,
      IdpOptions options,
      Clock clock,
      Supplier<Secret> secret,
      Supplier<SigningKey> key) {
    this.vertx = vertx;
    this.options = options;
    this.clock = clock;
    this.secret = secret;
    this.key = key;
  }

  /** Adds the headers and form parameters of the configured method for a POST to endpoint. */
  void apply(URI endpoint, RequestOptions request, StringBuilder form) {
    switch (options.authMethod()) {
      case CLIENT_SECRET_BASIC -> request.putHeader("Authorization", basicAuthorization());
      case CLIENT_SECRET_POST -> {
        form.append("&client_id=").append(form(options.clientId()));
        form.append("&client_secret=").append(form(secret.get().reveal()));
      }
      case CLIENT_SECRET_JWT, PRIVATE_KEY_JWT -> {
        form.append("&client_id=").append(form(options.clientId()));
        form.append("&client_assertion_type=").append(form(JWT_BEARER));
        form.append("&client_assertion=").append(form(assertion(endpoint)));
      }
      case TLS_CLIENT_AUTH, SELF_SIGNED_TLS_CLIENT_AUTH ->
          form.append("&client_id=").append(form(options.clientId()));
    }
  }

  private String assertion(URI endpoint) {
    long now = clock.millis() / 1000;
    String aud =
        options.assertionAudience() == IdpOptions.AssertionAudience.ISSUER
            ? options.issuer().toString()
            : endpoint.toString();
    JsonObject claims =
        new JsonObject()
            .put("iss", options.clientId())
            .put("sub", options.clientId())
            .put("aud", aud)
            .put("jti", UUID.randomUUID().toString())
            .put("iat", now)
            .put("exp", now + IdpOptions.ASSERTION_LIFETIME_SECONDS);
    return signer().sign(claims);
  }

  private AssertionSigner signer() {
    Object source =
        options.authMethod() == IdpOptions.AuthMethod.PRIVATE_KEY_JWT ? key.get() : secret.get();
    AssertionSigner s = signer;
    if (s == null || s.source() != source) {
      s =
          source instanceof SigningKey k
              ? AssertionSigner.of(vertx, k)
              : AssertionSigner.of(vertx, (Secret) source);
      signer = s;
    }
    return s;
  }

  private String basicAuthorization() {
    Secret s = secret.get();
    BasicAuthorization b = basic;
    if (b == null || b.secret != s) {
      String credentials = form(options.clientId()) + ":" + form(s.reveal());
      b =
          new BasicAuthorization(
              s,
              "Basic "
                  + Base64.getEncoder()
                      .encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
      basic = b;
    }
    return b.header;
  }

  private static String form(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
