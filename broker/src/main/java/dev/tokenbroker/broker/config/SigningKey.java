package dev.tokenbroker.broker.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * The private key of {@code private_key_jwt}, read from {@code idp.privateKeyFile}: a PEM PKCS#8
 * key ({@code -----BEGIN PRIVATE KEY-----}) or a private JWK (JSON with {@code d}). It is checked
 * against the signing algorithm when read (RSA for RS256/PS256, P-256 for ES256), and carries the
 * key id to put in the assertion's {@code kid} header: {@code idp.keyId}, else the JWK's {@code
 * kid}, else the RFC 7638 thumbprint of the public key. Never prints its material.
 */
public final class SigningKey {

  /** The JWS algorithms a private key can sign assertions with. */
  public enum Algorithm {
    RS256,
    PS256,
    ES256;

    boolean rsa() {
      return this != ES256;
    }
  }

  private final Algorithm algorithm;
  private final String keyId;
  private final String pem;
  private final JsonObject jwk;

  private SigningKey(Algorithm algorithm, String keyId, String pem, JsonObject jwk) {
    this.algorithm = algorithm;
    this.keyId = keyId;
    this.pem = pem;
    this.jwk = jwk;
  }

  /**
   * Parses a key file's content.
   *
   * @param keyId the configured key id, or null
   * @throws IllegalArgumentException saying what is wrong, never with the content
   */
  public static SigningKey parse(byte[] content, Algorithm algorithm, String keyId) {
    String text = new String(content, StandardCharsets.UTF_8).strip();
    if (text.startsWith("{")) {
      return fromJwk(text, algorithm, keyId);
    }
    if (!text.startsWith("-----BEGIN PRIVATE KEY-----")) {
      throw new IllegalArgumentException(
          "not a PEM PKCS#8 private key (-----BEGIN PRIVATE KEY-----) or a JWK;"
              + " convert with openssl pkcs8 -topk8 -nocrypt");
    }
    PrivateKey key = pkcs8(text, algorithm);
    String kid = keyId;
    if (kid == null) {
      if (!(key instanceof RSAPrivateCrtKey rsa)) {
        throw new IllegalArgumentException(
            "an EC key in PEM needs idp.keyId (or give the key as a JWK file, whose public part"
                + " yields the thumbprint)");
      }
      kid =
          thumbprint(
              "{\"e\":\""
                  + b64(rsa.getPublicExponent())
                  + "\",\"kty\":\"RSA\",\"n\":\""
                  + b64(rsa.getModulus())
                  + "\"}");
    }
    return new SigningKey(algorithm, kid, text, null);
  }

  private static SigningKey fromJwk(String text, Algorithm algorithm, String keyId) {
    JsonObject jwk;
    try {
      jwk = new JsonObject(text);
    } catch (DecodeException e) {
      throw new IllegalArgumentException("the JWK file is not a JSON object");
    }
    String kty = jwk.getValue("kty") instanceof String s ? s : "";
    if (!(jwk.getValue("d") instanceof String)) {
      throw new IllegalArgumentException("the JWK is not a private key (no d)");
    }
    if (jwk.getValue("alg") instanceof String alg && !alg.equals(algorithm.name())) {
      throw new IllegalArgumentException(
          "the JWK's alg " + alg + " differs from idp.signingAlgorithm " + algorithm);
    }
    String canonical;
    if (algorithm.rsa()) {
      if (!kty.equals("RSA") || !has(jwk, "n", "e")) {
        throw new IllegalArgumentException(algorithm + " needs an RSA JWK with n, e and d");
      }
      canonical =
          "{\"e\":\""
              + jwk.getString("e")
              + "\",\"kty\":\"RSA\",\"n\":\""
              + jwk.getString("n")
              + "\"}";
    } else {
      if (!kty.equals("EC") || !"P-256".equals(jwk.getValue("crv")) || !has(jwk, "x", "y")) {
        throw new IllegalArgumentException("ES256 needs an EC P-256 JWK with x, y and d");
      }
      canonical =
          "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\""
              + jwk.getString("x")
              + "\",\"y\":\""
              + jwk.getString("y")
              + "\"}";
    }
    String kid = keyId;
    if (kid == null) {
      kid = jwk.getValue("kid") instanceof String k && !k.isBlank() ? k : thumbprint(canonical);
    }
    JsonObject copy = jwk.copy().put("kid", kid).put("alg", algorithm.name());
    copy.remove("use");
    copy.remove("key_ops");
    return new SigningKey(algorithm, kid, null, copy);
  }

  private static boolean has(JsonObject jwk, String... names) {
    for (String n : names) {
      if (!(jwk.getValue(n) instanceof String s) || s.isEmpty()) {
        return false;
      }
    }
    return true;
  }

  private static PrivateKey pkcs8(String pem, Algorithm algorithm) {
    byte[] der;
    try {
      String body =
          pem.replace("-----BEGIN PRIVATE KEY-----", "")
              .replace("-----END PRIVATE KEY-----", "")
              .replaceAll("\\s", "");
      der = Base64.getDecoder().decode(body);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the PEM body is not base64");
    }
    try {
      PrivateKey key =
          KeyFactory.getInstance(algorithm.rsa() ? "RSA" : "EC")
              .generatePrivate(new PKCS8EncodedKeySpec(der));
      if (key instanceof ECPrivateKey ec
          && ec.getParams().getCurve().getField().getFieldSize() != 256) {
        throw new IllegalArgumentException("ES256 needs a P-256 key");
      }
      return key;
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "the PEM is not a PKCS#8 " + (algorithm.rsa() ? "RSA" : "EC") + " private key");
    }
  }

  private static String b64(BigInteger n) {
    byte[] bytes = n.toByteArray();
    int skip = bytes.length > 1 && bytes[0] == 0 ? 1 : 0;
    byte[] unsigned = new byte[bytes.length - skip];
    System.arraycopy(bytes, skip, unsigned, 0, unsigned.length);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(unsigned);
  }

  /** RFC 7638: SHA-256 of the required public members in lexicographic order, base64url. */
  private static String thumbprint(String canonical) {
    try {
      return Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString(
              MessageDigest.getInstance("SHA-256")
                  .digest(canonical.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public Algorithm algorithm() {
    return algorithm;
  }

  /** The {@code kid} header of the assertions signed with this key. */
  public String keyId() {
    return keyId;
  }

  /** The PEM text, or null when the key is a JWK; only for building the signer. */
  public String revealPem() {
    return pem;
  }

  /** The private JWK (with {@code kid} and {@code alg} set), or null; only for the signer. */
  public JsonObject revealJwk() {
    return jwk == null ? null : jwk.copy();
  }

  @Override
  public String toString() {
    return "SigningKey{" + algorithm + ", kid=" + keyId + ", key=" + Secret.REDACTED + "}";
  }
}
