package dev.tokenbroker.e2e;

import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * A {@code private_key_jwt} signing key generated for one test (RSA 2048 for RS256/PS256, P-256 for
 * ES256): the private half as a PKCS#8 PEM for the broker's {@code idp.privateKeyFile}, the public
 * half as a JWK for the JWKS that Keycloak fetches. The {@code kid} is the RFC 7638 JWK thumbprint,
 * the broker's default key id.
 *
 * <p>{@link #toString()} names the algorithm and kid only.
 */
final class ClientKey {

  private final String algorithm;
  private final KeyPair keys;
  private final JsonObject publicJwk;

  private ClientKey(String algorithm, KeyPair keys) {
    this.algorithm = algorithm;
    this.keys = keys;
    JsonObject jwk = publicMembers(keys);
    jwk.put("kid", thumbprint(jwk)).put("use", "sig").put("alg", algorithm);
    this.publicJwk = jwk;
  }

  /** A new key for {@code RS256}, {@code PS256} or {@code ES256}. */
  static ClientKey generate(String algorithm) {
    try {
      KeyPairGenerator generator;
      switch (algorithm) {
        case "RS256", "PS256" -> {
          generator = KeyPairGenerator.getInstance("RSA");
          generator.initialize(2048);
        }
        case "ES256" -> {
          generator = KeyPairGenerator.getInstance("EC");
          generator.initialize(new ECGenParameterSpec("secp256r1"));
        }
        default -> throw new IllegalArgumentException("unsupported algorithm " + algorithm);
      }
      return new ClientKey(algorithm, generator.generateKeyPair());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  String algorithm() {
    return algorithm;
  }

  /** The RFC 7638 thumbprint, also the JWK's {@code kid}. */
  String kid() {
    return publicJwk.getString("kid");
  }

  /** The public key as a JWK with {@code kid}, {@code use=sig} and {@code alg}. */
  JsonObject publicJwk() {
    return publicJwk.copy();
  }

  /** The private key, PKCS#8 PEM. */
  String privateKeyPem() {
    return TestPki.privateKeyPem(keys.getPrivate());
  }

  /** EC keys only: the private JWK ({@code d} added to the public members), without kid. */
  JsonObject privateJwk() {
    if (!(keys.getPrivate() instanceof ECPrivateKey ec)) {
      throw new IllegalStateException("private JWKs are written for EC keys only");
    }
    return publicMembers(keys).put("d", base64Url(unsigned(ec.getS(), 32)));
  }

  @Override
  public String toString() {
    return "ClientKey[" + algorithm + ", kid=" + kid() + "]";
  }

  /** The required members of RFC 7638 §3.2, in lexicographic order. */
  private static JsonObject publicMembers(KeyPair keys) {
    if (keys.getPublic() instanceof RSAPublicKey rsa) {
      return new JsonObject()
          .put("e", base64Url(unsigned(rsa.getPublicExponent(), 0)))
          .put("kty", "RSA")
          .put("n", base64Url(unsigned(rsa.getModulus(), 0)));
    }
    ECPublicKey ec = (ECPublicKey) keys.getPublic();
    return new JsonObject()
        .put("crv", "P-256")
        .put("kty", "EC")
        .put("x", base64Url(unsigned(ec.getW().getAffineX(), 32)))
        .put("y", base64Url(unsigned(ec.getW().getAffineY(), 32)));
  }

  /** RFC 7638: SHA-256 over the required members, no whitespace, sorted, base64url. */
  static String thumbprint(JsonObject requiredMembers) {
    try {
      return base64Url(
          MessageDigest.getInstance("SHA-256")
              .digest(requiredMembers.encode().getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Big-endian, without the sign byte, left-padded with zeros to {@code length} if given. */
  private static byte[] unsigned(BigInteger value, int length) {
    byte[] bytes = value.toByteArray();
    if (bytes.length > 1 && bytes[0] == 0) {
      bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
    }
    if (length > bytes.length) {
      byte[] padded = new byte[length];
      System.arraycopy(bytes, 0, padded, length - bytes.length, bytes.length);
      bytes = padded;
    }
    return bytes;
  }

  private static String base64Url(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
