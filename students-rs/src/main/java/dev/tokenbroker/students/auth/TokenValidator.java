package dev.tokenbroker.students.auth;

import dev.tokenbroker.students.auth.impl.JwksKeySource;
import dev.tokenbroker.students.auth.impl.TokenValidatorImpl;
import dev.tokenbroker.students.config.TokenValidatorOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;

/**
 * Validates OAuth 2.0 access tokens in JWS compact form (RFC 9068 profile) against the identity
 * provider's published keys. A token is accepted only when all of these hold:
 *
 * <ol>
 *   <li>it is at most {@code maxTokenBytes} long (checked before any parsing) and has exactly three
 *       non-empty base64url segments whose header and payload are JSON objects without duplicate
 *       members;
 *   <li>its {@code alg} is one of the configured asymmetric algorithms (never {@code none} or
 *       HMAC), there is no {@code crit} header, and {@code typ}, when present, is {@code at+jwt},
 *       {@code application/at+jwt} or {@code JWT} (any case);
 *   <li>its {@code kid} names a usable key ({@code use} absent or {@code sig}, {@code alg} absent
 *       or equal to the token's); a token without {@code kid} is accepted only when the key set
 *       holds exactly one usable key; embedded keys ({@code jwk}, {@code x5c}, {@code jku}) are
 *       ignored;
 *   <li>the signature verifies with that key (EC signatures must be raw R||S of the right size, RSA
 *       signatures exactly the modulus size);
 *   <li>{@code iss} equals the configured issuer exactly; {@code aud} (string or array) contains
 *       the configured audience; {@code exp} is present and not past, and {@code nbf}/{@code iat}
 *       when present are not in the future, each with {@code leewaySeconds} of leeway.
 * </ol>
 *
 * Tokens that passed are remembered (bounded, keyed by the text they were presented in, never past
 * {@code exp}, never after the key set changed); a remembered token skips the signature check and
 * all decoding, but its {@code exp}, {@code nbf} and {@code iat} are checked again on each use. A
 * lookup hashes only the tail of the signature segment and compares the whole text once. Time comes
 * from the injected {@link Clock}. Failures are {@link AuthFailure}s; nothing else escapes.
 * Thread-safe and lock-free on the request path: one validator serves every event loop.
 */
public interface TokenValidator {

  /** A validator with its own {@link KeySource} (reporting no metrics). */
  static TokenValidator create(Vertx vertx, TokenValidatorOptions options, Clock clock) {
    return create(vertx, options, clock, KeySourceMetrics.NONE);
  }

  /**
   * A validator with its own {@link KeySource}, counting JWKS fetches and publishing the number of
   * usable keys in {@code metrics}.
   */
  static TokenValidator create(
      Vertx vertx, TokenValidatorOptions options, Clock clock, KeySourceMetrics metrics) {
    return new TokenValidatorImpl(
        new JwksKeySource(vertx, options, clock, metrics), options, clock);
  }

  /** Validates the token; the future fails with an {@link AuthFailure} when it is refused. */
  Future<VerifiedToken> validate(String token);

  /**
   * Validates the token that is {@code presented} from {@code tokenStart} to its end (e.g. an
   * {@code Authorization} header value after {@code "Bearer "}) without copying it when it is
   * remembered; it is remembered under {@code presented} and {@code tokenStart}.
   */
  Future<VerifiedToken> validate(String presented, int tokenStart);

  /**
   * The remembered token presented exactly so (same text, same {@code tokenStart}) under the keys
   * in force now, with its time limits checked again now; {@code null} when none is remembered
   * (then check the syntax of {@code presented} and call {@link #validate(String, int)}). Throws an
   * {@link AuthFailure} when the remembered token is no longer valid in time. Never decodes: only
   * text that once passed every check can be found, so a hit needs no syntax check either.
   */
  VerifiedToken remembered(String presented, int tokenStart);

  /** The key source this validator reads from. */
  KeySource keySource();
}
