package dev.tokenbroker.students.support;

import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;

/** Key pairs generated at test time and their public JWK form. Generated once per JVM. */
public final class TestKeys {

  public static final KeyPair RSA_A = rsa(2048);
  public static final KeyPair RSA_B = rsa(2048);
  public static final KeyPair RSA_ATTACKER = rsa(2048);
  public static final KeyPair EC_P256 = ec("secp256r1");

  private TestKeys() {}

  public static KeyPair rsa(int bits) {
    try {
      KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
      gen.initialize(bits);
      return gen.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public static KeyPair ec(String curve) {
    try {
      KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
      gen.initialize(new ECGenParameterSpec(curve));
      return gen.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Public RSA JWK with {@code use=sig} and the given alg (null leaves {@code alg} out). */
  public static JsonObject rsaJwk(KeyPair pair, String kid, String alg) {
    RSAPublicKey pub = (RSAPublicKey) pair.getPublic();
    JsonObject jwk =
        new JsonObject()
            .put("kty", "RSA")
            .put("kid", kid)
            .put("use", "sig")
            .put("n", Jwts.b64(unsigned(pub.getModulus())))
            .put("e", Jwts.b64(unsigned(pub.getPublicExponent())));
    return alg == null ? jwk : jwk.put("alg", alg);
  }

  public static JsonObject ecJwk(KeyPair pair, String kid) {
    ECPublicKey pub = (ECPublicKey) pair.getPublic();
    return new JsonObject()
        .put("kty", "EC")
        .put("kid", kid)
        .put("use", "sig")
        .put("crv", "P-256")
        .put("alg", "ES256")
        .put("x", Jwts.b64(fixed(pub.getW().getAffineX(), 32)))
        .put("y", Jwts.b64(fixed(pub.getW().getAffineY(), 32)));
  }

  private static byte[] unsigned(BigInteger value) {
    byte[] bytes = value.toByteArray();
    return bytes[0] == 0 ? Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
  }

  private static byte[] fixed(BigInteger value, int size) {
    byte[] bytes = unsigned(value);
    byte[] out = new byte[size];
    System.arraycopy(bytes, 0, out, size - bytes.length, bytes.length);
    return out;
  }
}
