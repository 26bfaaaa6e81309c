package dev.tokenbroker.broker.testing;

import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * Keys and certificates generated at test time (never committed): key pairs from the JDK, PEM
 * PKCS#8 and JWK encodings of them, self-signed certificates from the JDK's {@code keytool}, and a
 * JWS signature check done with the JDK alone (independent of vertx-auth, which signs).
 */
public final class TestKeys {

  private TestKeys() {}

  public static KeyPair rsa() {
    return generate("RSA", null);
  }

  public static KeyPair ec() {
    return generate("EC", new ECGenParameterSpec("secp256r1"));
  }

  private static KeyPair generate(String alg, ECGenParameterSpec spec) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance(alg);
      if (spec != null) {
        g.initialize(spec);
      } else {
        g.initialize(2048);
      }
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  /** The private key as PEM PKCS#8. */
  public static String pkcs8(PrivateKey key) {
    return pem("PRIVATE KEY", key.getEncoded());
  }

  private static String b64(BigInteger n, int length) {
    byte[] bytes = n.toByteArray();
    byte[] out = new byte[length > 0 ? length : bytes.length - (bytes[0] == 0 ? 1 : 0)];
    int copy = Math.min(out.length, bytes.length);
    System.arraycopy(bytes, bytes.length - copy, out, out.length - copy, copy);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(out);
  }

  /** The key pair as a private JWK (without kid). */
  public static JsonObject jwk(KeyPair pair) {
    if (pair.getPrivate() instanceof RSAPrivateCrtKey k) {
      return new JsonObject()
          .put("kty", "RSA")
          .put("n", b64(k.getModulus(), 0))
          .put("e", b64(k.getPublicExponent(), 0))
          .put("d", b64(k.getPrivateExponent(), 0))
          .put("p", b64(k.getPrimeP(), 0))
          .put("q", b64(k.getPrimeQ(), 0))
          .put("dp", b64(k.getPrimeExponentP(), 0))
          .put("dq", b64(k.getPrimeExponentQ(), 0))
          .put("qi", b64(k.getCrtCoefficient(), 0));
    }
    ECPublicKey pub = (ECPublicKey) pair.getPublic();
    return new JsonObject()
        .put("kty", "EC")
        .put("crv", "P-256")
        .put("x", b64(pub.getW().getAffineX(), 32))
        .put("y", b64(pub.getW().getAffineY(), 32))
        .put("d", b64(((ECPrivateKey) pair.getPrivate()).getS(), 32));
  }

  /** RFC 7638 thumbprint of a public key. */
  public static String thumbprint(PublicKey key) throws Exception {
    String canonical;
    if (key instanceof RSAPublicKey k) {
      canonical =
          "{\"e\":\""
              + b64(k.getPublicExponent(), 0)
              + "\",\"kty\":\"RSA\",\"n\":\""
              + b64(k.getModulus(), 0)
              + "\"}";
    } else {
      ECPublicKey k = (ECPublicKey) key;
      canonical =
          "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\""
              + b64(k.getW().getAffineX(), 32)
              + "\",\"y\":\""
              + b64(k.getW().getAffineY(), 32)
              + "\"}";
    }
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(
            java.security.MessageDigest.getInstance("SHA-256")
                .digest(canonical.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * Checks a compact JWS with the JDK: RS256, PS256 (RSASSA-PSS, SHA-256, MGF1, salt 32), ES256
   * (the raw R||S form JOSE requires, not DER) or HS256.
   */
  public static boolean verifies(String jws, PublicKey key, byte[] hmacKey) throws Exception {
    String[] parts = jws.split("\\.");
    byte[] input = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
    byte[] sig = Base64.getUrlDecoder().decode(parts[2]);
    String alg = header(jws).getString("alg");
    if (alg.equals("HS256")) {
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new javax.crypto.spec.SecretKeySpec(hmacKey, "HmacSHA256"));
      return java.security.MessageDigest.isEqual(mac.doFinal(input), sig);
    }
    Signature s;
    switch (alg) {
      case "RS256" -> s = Signature.getInstance("SHA256withRSA");
      case "PS256" -> {
        s = Signature.getInstance("RSASSA-PSS");
        s.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
      }
      case "ES256" -> {
        if (sig.length != 64) {
          return false;
        }
        s = Signature.getInstance("SHA256withECDSAinP1363Format");
      }
      default -> throw new AssertionError("unexpected alg " + alg);
    }
    s.initVerify(key);
    s.update(input);
    return s.verify(sig);
  }

  public static JsonObject header(String jws) {
    return part(jws, 0);
  }

  public static JsonObject claims(String jws) {
    return part(jws, 1);
  }

  private static JsonObject part(String jws, int i) {
    return new JsonObject(
        new String(Base64.getUrlDecoder().decode(jws.split("\\.")[i]), StandardCharsets.UTF_8));
  }

  /** A self-signed certificate and its key, as PEM files. */
  public record CertFiles(Path cert, Path key, Certificate certificate) {}

  /**
   * A self-signed EC certificate for {@code cn}, with SAN 127.0.0.1 and localhost, made by the
   * JDK's keytool; written as {@code NAME.crt} and {@code NAME.key} (PKCS#8) in {@code dir}.
   */
  public static CertFiles selfSigned(Path dir, String name, String cn) throws Exception {
    Path store = dir.resolve(name + ".p12");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process p =
        new ProcessBuilder(
                keytool.toString(),
                "-genkeypair",
                "-alias",
                "k",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=" + cn,
                "-ext",
                "SAN=ip:127.0.0.1,dns:localhost",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                store.toString(),
                "-storepass",
                "changeit",
                "-keypass",
                "changeit")
            .redirectErrorStream(true)
            .start();
    String out;
    try (InputStream in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("keytool failed: " + out);
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, "changeit".toCharArray());
    }
    Files.delete(store);
    Certificate cert = ks.getCertificate("k");
    PrivateKey key = (PrivateKey) ks.getKey("k", "changeit".toCharArray());
    Path certFile = dir.resolve(name + ".crt");
    Path keyFile = dir.resolve(name + ".key");
    Files.writeString(certFile, pem("CERTIFICATE", cert.getEncoded()));
    Files.writeString(keyFile, pkcs8(key));
    return new CertFiles(certFile, keyFile, cert);
  }
}
