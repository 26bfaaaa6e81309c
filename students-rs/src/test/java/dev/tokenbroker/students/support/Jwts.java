package dev.tokenbroker.students.support;

import com.nimbusds.jose.crypto.impl.ECDSA;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Builds JWS compact tokens by hand, including the ones no library would produce. */
public final class Jwts {

  private Jwts() {}

  public static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  public static String b64(String text) {
    return b64(text.getBytes(StandardCharsets.UTF_8));
  }

  public static JsonObject header(String alg, String kid) {
    JsonObject h = new JsonObject().put("alg", alg).put("typ", "at+jwt");
    return kid == null ? h : h.put("kid", kid);
  }

  /** Signs {@code header.payload} (given as raw JSON texts) with an asymmetric key. */
  public static String sign(String headerJson, String payloadJson, String alg, PrivateKey key) {
    String input = b64(headerJson) + "." + b64(payloadJson);
    return input + "." + b64(signature(alg, key, input.getBytes(StandardCharsets.US_ASCII)));
  }

  public static String sign(JsonObject header, JsonObject payload, PrivateKey key) {
    return sign(header.encode(), payload.encode(), header.getString("alg"), key);
  }

  /** HMAC-signs with arbitrary secret bytes (the classic public-key-as-HMAC-secret attack). */
  public static String hmac(JsonObject header, JsonObject payload, byte[] secret) {
    String input = b64(header.encode()) + "." + b64(payload.encode());
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return input + "." + b64(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** ES256 with the signature left in the DER form the JDK produces. */
  public static String signEs256Der(JsonObject header, JsonObject payload, PrivateKey key) {
    String input = b64(header.encode()) + "." + b64(payload.encode());
    return input + "." + b64(jdkSign("SHA256withECDSA", key, input));
  }

  public static byte[] signature(String alg, PrivateKey key, byte[] input) {
    try {
      return switch (alg) {
        case "RS256" -> jdkSign("SHA256withRSA", key, input);
        case "RS384" -> jdkSign("SHA384withRSA", key, input);
        case "RS512" -> jdkSign("SHA512withRSA", key, input);
        case "PS256" -> pss(key, input);
        case "ES256" ->
            ECDSA.transcodeSignatureToConcat(jdkSign("SHA256withECDSA", key, input), 64);
        default -> throw new IllegalArgumentException(alg);
      };
    } catch (GeneralSecurityException | com.nimbusds.jose.JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] jdkSign(String algorithm, PrivateKey key, String input) {
    try {
      return jdkSign(algorithm, key, input.getBytes(StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] jdkSign(String algorithm, PrivateKey key, byte[] input)
      throws GeneralSecurityException {
    Signature s = Signature.getInstance(algorithm);
    s.initSign(key);
    s.update(input);
    return s.sign();
  }

  private static byte[] pss(PrivateKey key, byte[] input) throws GeneralSecurityException {
    Signature s = Signature.getInstance("RSASSA-PSS");
    s.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
    s.initSign(key);
    s.update(input);
    return s.sign();
  }
}
