package dev.tokenbroker.students.auth.impl;

import dev.tokenbroker.common.log.LogSafe;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.impl.jose.JWK;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns a JWKS document into {@link VerificationKey}s, skipping (and reporting) every key that must
 * not verify access tokens: {@code use} other than {@code sig} (Keycloak's RSA-OAEP key), {@code
 * key_ops} without {@code verify}, symmetric ({@code oct}) and unsupported key types, an {@code
 * alg} outside the allowed list, RSA moduli under 2048 bits, EC curves that do not match the
 * algorithm. Certificates ({@code x5c}) are not used: the key is built from {@code n}/{@code e} or
 * {@code x}/{@code y} only, so an expired IdP certificate cannot disable a key.
 */
final class JwksParser {

  record Parsed(List<VerificationKey> keys, String fingerprint, List<String> skipped) {}

  private static final Map<String, String> CURVE_ALG =
      Map.of("P-256", "ES256", "P-384", "ES384", "P-521", "ES512");
  private static final Map<String, Integer> CURVE_SIG_BYTES =
      Map.of("P-256", 64, "P-384", 96, "P-521", 132);

  private JwksParser() {}

  /** Fails with {@link IllegalArgumentException} when the document has no {@code keys} array. */
  static Parsed parse(JsonObject jwks, Set<String> allowedAlgs) {
    Object keysValue = jwks.getValue("keys");
    if (!(keysValue instanceof JsonArray keys)) {
      throw new IllegalArgumentException("JWKS has no keys array");
    }
    List<VerificationKey> usable = new ArrayList<>();
    List<String> fingerprints = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      Object entry = keys.getValue(i);
      if (!(entry instanceof JsonObject key)) {
        skipped.add("#" + i + ": not an object");
        continue;
      }
      String label = key.getValue("kid") instanceof String kid ? LogSafe.text(kid) : "#" + i;
      try {
        VerificationKey parsed = parseKey(key, allowedAlgs);
        usable.add(parsed);
        fingerprints.add(fingerprint(key, parsed));
      } catch (IllegalArgumentException e) {
        skipped.add(label + ": " + e.getMessage());
      }
    }
    fingerprints.sort(null);
    return new Parsed(usable, String.join("\n", fingerprints), skipped);
  }

  private static VerificationKey parseKey(JsonObject key, Set<String> allowedAlgs) {
    Object kidValue = key.getValue("kid");
    if (kidValue != null && !(kidValue instanceof String)) {
      throw new IllegalArgumentException("kid is not a string");
    }
    Object use = key.getValue("use");
    if (use != null && !"sig".equals(use)) {
      throw new IllegalArgumentException("use is not sig");
    }
    Object ops = key.getValue("key_ops");
    if (ops != null && !(ops instanceof JsonArray array && array.contains("verify"))) {
      throw new IllegalArgumentException("key_ops does not allow verify");
    }
    Object algValue = key.getValue("alg");
    if (algValue != null && !(algValue instanceof String)) {
      throw new IllegalArgumentException("alg is not a string");
    }
    String alg = (String) algValue;
    String kid = (String) kidValue;
    Object kty = key.getValue("kty");
    if ("RSA".equals(kty)) {
      return rsa(key, kid, alg, allowedAlgs);
    }
    if ("EC".equals(kty)) {
      return ec(key, kid, alg, allowedAlgs);
    }
    throw new IllegalArgumentException("unsupported key type");
  }

  private static VerificationKey rsa(JsonObject key, String kid, String alg, Set<String> allowed) {
    String n = base64String(key, "n");
    String e = base64String(key, "e");
    int bits = new BigInteger(1, base64Url(n)).bitLength();
    if (bits < 2048 || bits > 8192) {
      throw new IllegalArgumentException("RSA modulus of " + bits + " bits");
    }
    List<String> algs = new ArrayList<>();
    for (String candidate : allowed) {
      boolean rsaAlg = candidate.startsWith("RS") || candidate.startsWith("PS");
      if (rsaAlg && (alg == null || alg.equals(candidate))) {
        algs.add(candidate);
      }
    }
    JsonObject material = new JsonObject().put("kty", "RSA").put("n", n).put("e", e);
    return build(kid, "RSA", material, algs, (bits + 7) / 8);
  }

  private static VerificationKey ec(JsonObject key, String kid, String alg, Set<String> allowed) {
    String crv = string(key, "crv");
    String curveAlg = CURVE_ALG.get(crv);
    if (curveAlg == null) {
      throw new IllegalArgumentException("unsupported curve");
    }
    List<String> algs = new ArrayList<>();
    if (allowed.contains(curveAlg) && (alg == null || alg.equals(curveAlg))) {
      algs.add(curveAlg);
    }
    JsonObject material =
        new JsonObject()
            .put("kty", "EC")
            .put("crv", crv)
            .put("x", base64String(key, "x"))
            .put("y", base64String(key, "y"));
    return build(kid, "EC", material, algs, CURVE_SIG_BYTES.get(crv));
  }

  private static VerificationKey build(
      String kid, String kty, JsonObject material, List<String> algs, int sigLength) {
    if (algs.isEmpty()) {
      throw new IllegalArgumentException("alg not allowed");
    }
    Map<String, VerificationKey.Verifier> verifiers = new LinkedHashMap<>();
    for (String alg : algs) {
      try {
        verifiers.put(alg, new VerificationKey.Verifier(new JWK(material.copy().put("alg", alg))));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("invalid key material");
      }
    }
    return new VerificationKey(kid, kty, Map.copyOf(verifiers), sigLength);
  }

  private static String fingerprint(JsonObject key, VerificationKey parsed) {
    return String.join(
        "|",
        String.valueOf(parsed.kid()),
        parsed.kty(),
        String.join(",", new TreeSet<>(parsed.verifiers().keySet())),
        String.valueOf(key.getValue("n")),
        String.valueOf(key.getValue("e")),
        String.valueOf(key.getValue("crv")),
        String.valueOf(key.getValue("x")),
        String.valueOf(key.getValue("y")));
  }

  private static String string(JsonObject key, String name) {
    if (!(key.getValue(name) instanceof String value) || value.isEmpty()) {
      throw new IllegalArgumentException("missing " + name);
    }
    return value;
  }

  private static String base64String(JsonObject key, String name) {
    String value = string(key, name);
    base64Url(value);
    return value;
  }

  private static byte[] base64Url(String value) {
    try {
      return Base64.getUrlDecoder().decode(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid base64url");
    }
  }
}
