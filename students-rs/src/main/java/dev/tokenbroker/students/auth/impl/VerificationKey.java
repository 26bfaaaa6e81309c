package dev.tokenbroker.students.auth.impl;

import io.vertx.ext.auth.impl.jose.JWS;
import java.util.Map;

/**
 * One usable signing key from the JWKS: its {@code kid} (may be null) and one vertx-auth {@link
 * JWS} verifier per algorithm it may be used with (only the key's own {@code alg} when it declares
 * one). {@code signatureLength} is the exact signature size in bytes: the RSA modulus size, or 2 x
 * the curve's coordinate size for ECDSA.
 */
record VerificationKey(String kid, String kty, Map<String, JWS> verifiers, int signatureLength) {

  /** Whether the key can check a signature made with {@code alg}. */
  boolean supports(String alg) {
    return verifiers.containsKey(alg);
  }

  /**
   * Checks the signature with vertx-auth's JWS. Wrong sizes are refused first: vertx-auth pads
   * short RSA signatures and converts DER-encoded ECDSA signatures, neither of which JWS allows.
   */
  boolean verify(String alg, byte[] signingInput, byte[] signature) {
    JWS jws = verifiers.get(alg);
    if (jws == null || signature.length != signatureLength) {
      return false;
    }
    try {
      return jws.verify(signature, signingInput);
    } catch (RuntimeException e) {
      return false;
    }
  }
}
