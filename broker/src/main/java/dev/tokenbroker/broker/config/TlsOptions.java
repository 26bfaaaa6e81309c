package dev.tokenbroker.broker.config;

import dev.tokenbroker.common.config.ConfigException;
import dev.tokenbroker.common.config.ConfigReader;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Set;

/**
 * {@code idp.tls}: the client certificate the broker presents to the token endpoint (RFC 8705
 * {@code tls_client_auth} / {@code self_signed_tls_client_auth}), and optionally the CAs it trusts
 * for the IdP's server certificate. All PEM; the key is PKCS#8. The files are read (and checked) at
 * start-up and re-read while running, like the secret file.
 */
public final class TlsOptions {

  private final String certFile;
  private final String keyFile;
  private final String trustFile;
  private final Buffer cert;
  private final Buffer key;
  private final Buffer trust;

  TlsOptions(ConfigReader r) {
    r.rejectUnknown(Set.of("certFile", "keyFile", "trustFile"));
    this.certFile = required(r, "certFile");
    this.keyFile = required(r, "keyFile");
    this.trustFile = r.string("trustFile", null);
    this.cert = read(r.path("certFile"), certFile, TlsOptions::certificates);
    this.key = read(r.path("keyFile"), keyFile, TlsOptions::privateKey);
    this.trust =
        trustFile == null ? null : read(r.path("trustFile"), trustFile, TlsOptions::certificates);
  }

  private static String required(ConfigReader r, String key) {
    String s = r.string(key, null);
    if (s == null || s.isBlank()) {
      throw new ConfigException(r.path(key), "required (a PEM file)");
    }
    return s;
  }

  private interface Parser {
    Buffer parse(byte[] content);
  }

  private static Buffer read(String field, String file, Parser parser) {
    byte[] content;
    try {
      content = Files.readAllBytes(Path.of(file));
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(field, "cannot read " + file);
    }
    try {
      return parser.parse(content);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(field, file + ": " + e.getMessage());
    }
  }

  /**
   * PEM certificates, checked to parse as X.509.
   *
   * @throws IllegalArgumentException when they do not
   */
  public static Buffer certificates(byte[] content) {
    String text = new String(content, StandardCharsets.US_ASCII);
    if (!text.contains("-----BEGIN CERTIFICATE-----")) {
      throw new IllegalArgumentException("no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    try {
      if (CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(content))
          .isEmpty()) {
        throw new IllegalArgumentException("no certificate");
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("the certificate does not parse as X.509");
    }
    return Buffer.buffer(content);
  }

  /**
   * A PEM PKCS#8 RSA or EC private key, checked to parse (the message never holds the content).
   *
   * @throws IllegalArgumentException when it does not
   */
  public static Buffer privateKey(byte[] content) {
    String text = new String(content, StandardCharsets.US_ASCII).strip();
    if (!text.startsWith("-----BEGIN PRIVATE KEY-----")) {
      throw new IllegalArgumentException(
          "not a PEM PKCS#8 private key (-----BEGIN PRIVATE KEY-----);"
              + " convert with openssl pkcs8 -topk8 -nocrypt");
    }
    byte[] der;
    try {
      der =
          Base64.getDecoder()
              .decode(
                  text.replace("-----BEGIN PRIVATE KEY-----", "")
                      .replace("-----END PRIVATE KEY-----", "")
                      .replaceAll("\\s", ""));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the PEM body is not base64");
    }
    for (String alg : new String[] {"RSA", "EC"}) {
      try {
        KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
        return Buffer.buffer(content);
      } catch (GeneralSecurityException e) {
        // try the next
      }
    }
    throw new IllegalArgumentException("not a PKCS#8 RSA or EC private key");
  }

  public Path certFile() {
    return Path.of(certFile);
  }

  public Path keyFile() {
    return Path.of(keyFile);
  }

  /** The CA file for the IdP's server certificate, or null for the JVM's default trust. */
  public Path trustFile() {
    return trustFile == null ? null : Path.of(trustFile);
  }

  /** The certificate (chain) PEM as read at start-up. */
  public Buffer cert() {
    return cert;
  }

  /** The private key PEM as read at start-up; never print it. */
  public Buffer revealKey() {
    return key;
  }

  /** The trusted CAs PEM as read at start-up, or null. */
  public Buffer trust() {
    return trust;
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("certFile", certFile)
        .put("keyFile", keyFile)
        .put("trustFile", trustFile);
  }

  @Override
  public String toString() {
    return toJson().encode();
  }
}
