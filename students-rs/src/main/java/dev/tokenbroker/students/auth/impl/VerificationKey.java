package dev.tokenbroker.students.auth.impl;

import io.vertx.ext.auth.impl.jose.JWK;
import io.vertx.ext.auth.impl.jose.JWS;
import java.util.Map;

/**
 * One usable signing key from the JWKS: its {@code kid} (may be null) and one {@link Verifier} per
 * algorithm it may be used with (only the key's own {@code alg} when it declares one). {@code
 * signatureLength} is the exact signature size in bytes: the RSA modulus size, or 2 x the curve's
 * coordinate size for ECDSA.
 */
record VerificationKey(
    String kid, String kty, Map<String, Verifier> verifiers, int signatureLength) {

  /**
   * vertx-auth's {@link JWS} for one algorithm, one per thread: {@code JWS.verify} holds the
   * monitor of its {@code java.security.Signature} for the whole check, so one instance shared by
   * the event loops would serialise every signature check of the process. Each thread (in practice
   * each event loop) builds its own from the parsed {@link JWK} on first use.
   */
  static final class Verifier {
    private final JWK jwk;
    private final ThreadLocal<JWS> perThread;

    Verifier(JWK jwk) {
      this.jwk = jwk;
      new JWS(jwk); // fails now, while parsing the key set, when the material is unusable
      this.perThread = ThreadLocal.withInitial(() -> new JWS(this.jwk));
    }

    boolean verify(byte[] signature, byte[] signingInput) {
      return perThread.get().verify(signature, signingInput);
    }
  }

  /** Whether the key can check a signature made with {@code alg}. */
  boolean supports(String alg) {
    return verifiers.containsKey(alg);
  }

  /**
   * Checks the signature with vertx-auth's JWS. Wrong sizes are refused first: vertx-auth pads
   * short RSA signatures and converts DER-encoded ECDSA signatures, neither of which JWS allows.
   */
  boolean verify(String alg, byte[] signingInput, byte[] signature) {
    Verifier verifier = verifiers.get(alg);
    if (verifier == null || signature.length != signatureLength) {
      return false;
    }
    try {
      return verifier.verify(signature, signingInput);
    } catch (RuntimeException e) {
      return false;
    }
  }
}
