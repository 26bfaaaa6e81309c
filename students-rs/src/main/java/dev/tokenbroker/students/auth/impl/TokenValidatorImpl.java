package dev.tokenbroker.students.auth.impl;

import dev.tokenbroker.students.auth.AuthFailure;
import dev.tokenbroker.students.auth.AuthFailure.Reason;
import dev.tokenbroker.students.auth.KeySource;
import dev.tokenbroker.students.auth.TokenValidator;
import dev.tokenbroker.students.auth.VerifiedToken;
import dev.tokenbroker.students.config.TokenValidatorOptions;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The checks listed on {@link TokenValidator}, in this order: size, remembered token, structure,
 * header ({@code alg}, {@code crit}, {@code typ}), key selection (with a cooldown-limited JWKS
 * refetch for an unknown {@code kid}), signature, claims. Everything unexpected becomes {@code
 * invalid_token}: this class never lets an exception through.
 */
public final class TokenValidatorImpl implements TokenValidator {

  private static final Set<String> ALLOWED_TYP = Set.of("at+jwt", "application/at+jwt", "jwt");

  private final JwksKeySource keys;
  private final Clock clock;
  private final String issuer;
  private final String audience;
  private final long leeway;
  private final int maxTokenBytes;
  private final Set<String> algorithms;
  private final VerifiedTokenCache cache;

  public TokenValidatorImpl(JwksKeySource keys, TokenValidatorOptions options, Clock clock) {
    this.keys = keys;
    this.clock = clock;
    this.issuer = options.getIssuer();
    this.audience = options.getAudience();
    this.leeway = options.getLeewaySeconds();
    this.maxTokenBytes = options.getMaxTokenBytes();
    this.algorithms = options.getAlgorithms();
    this.cache = new VerifiedTokenCache(options.getTokenCacheMaxEntries());
  }

  @Override
  public KeySource keySource() {
    return keys;
  }

  @Override
  public Future<VerifiedToken> validate(String token) {
    return validate(token, 0);
  }

  @Override
  public VerifiedToken remembered(String presented, int tokenStart) {
    if (presented == null || tokenStart < 0 || tokenStart >= presented.length()) {
      return null;
    }
    keys.refreshIfStale();
    long now = nowSecond();
    VerifiedToken hit = cache.get(presented, tokenStart, keys.current().generation(), now, leeway);
    if (hit != null) {
      TokenClaims.checkTime(hit, now, leeway);
    }
    return hit;
  }

  @Override
  public Future<VerifiedToken> validate(String presented, int tokenStart) {
    try {
      if (presented == null || tokenStart < 0 || tokenStart >= presented.length()) {
        throw AuthFailure.invalidToken(Reason.MALFORMED, "empty token");
      }
      if (presented.length() - tokenStart > maxTokenBytes) {
        throw AuthFailure.invalidToken(Reason.MALFORMED, "token too large");
      }
      keys.refreshIfStale();
      KeySet keySet = keys.current();
      long now = nowSecond();
      VerifiedToken remembered = cache.get(presented, tokenStart, keySet.generation(), now, leeway);
      if (remembered != null) {
        TokenClaims.checkTime(remembered, now, leeway);
        return Future.succeededFuture(remembered);
      }
      String token = tokenStart == 0 ? presented : presented.substring(tokenStart);
      JwtParts jwt = JwtParts.parse(token);
      String alg = checkHeader(jwt);
      String kid = jwt.header().getValue("kid") instanceof String s ? s : null;
      if (jwt.header().containsKey("kid") && kid == null) {
        throw AuthFailure.invalidToken(Reason.MALFORMED, "invalid kid header");
      }
      if (keySet.isEmpty() || (kid != null && !keySet.hasKid(kid))) {
        return keys.requestRefresh()
            .map(refreshed -> verify(presented, tokenStart, jwt, alg, kid, refreshed))
            .recover(TokenValidatorImpl::asAuthFailure);
      }
      return Future.succeededFuture(verify(presented, tokenStart, jwt, alg, kid, keySet));
    } catch (AuthFailure failure) {
      return Future.failedFuture(failure);
    } catch (RuntimeException unexpected) {
      return Future.failedFuture(AuthFailure.invalidToken(Reason.MALFORMED, "malformed token"));
    }
  }

  private static Future<VerifiedToken> asAuthFailure(Throwable err) {
    return Future.failedFuture(
        err instanceof AuthFailure
            ? err
            : AuthFailure.invalidToken(Reason.MALFORMED, "malformed token"));
  }

  private String checkHeader(JwtParts jwt) {
    if (!(jwt.header().getValue("alg") instanceof String alg) || !algorithms.contains(alg)) {
      throw AuthFailure.invalidToken(Reason.BAD_SIGNATURE, "unsupported algorithm");
    }
    if (jwt.header().containsKey("crit")) {
      throw AuthFailure.invalidToken(Reason.MALFORMED, "unsupported critical header");
    }
    Object typ = jwt.header().getValue("typ");
    if (jwt.header().containsKey("typ")
        && !(typ instanceof String t && ALLOWED_TYP.contains(t.toLowerCase(Locale.ROOT)))) {
      throw AuthFailure.invalidToken(Reason.MALFORMED, "unsupported token type");
    }
    return alg;
  }

  private VerifiedToken verify(
      String presented, int tokenStart, JwtParts jwt, String alg, String kid, KeySet keySet) {
    if (keySet.isEmpty()) {
      throw AuthFailure.unavailable("signing keys unavailable");
    }
    List<VerificationKey> candidates = keySet.candidates(kid);
    if (candidates.isEmpty()) {
      throw AuthFailure.invalidToken(
          Reason.UNKNOWN_KID, kid == null ? "token has no key id" : "unknown key id");
    }
    boolean algMatched = false;
    boolean verified = false;
    for (VerificationKey key : candidates) {
      if (key.supports(alg)) {
        algMatched = true;
        if (key.verify(alg, jwt.signingInput(), jwt.signature())) {
          verified = true;
          break;
        }
      }
    }
    if (!algMatched) {
      throw AuthFailure.invalidToken(Reason.BAD_SIGNATURE, "algorithm does not match key");
    }
    if (!verified) {
      throw AuthFailure.invalidToken(Reason.BAD_SIGNATURE, "invalid signature");
    }
    VerifiedToken result = TokenClaims.check(jwt.payload(), issuer, audience, nowSecond(), leeway);
    cache.put(presented, tokenStart, result, keySet.generation());
    return result;
  }

  private long nowSecond() {
    return Math.floorDiv(clock.millis(), 1000L);
  }

  /** For tests: the number of remembered tokens. */
  public int cachedTokens() {
    return cache.size();
  }
}
