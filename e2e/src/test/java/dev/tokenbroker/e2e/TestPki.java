package dev.tokenbroker.e2e;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away certificate authority for one test run, generated in-process with BouncyCastle
 * (nothing is committed, nothing outside {@code dir}): Keycloak's https server certificate for
 * {@code 127.0.0.1}, a PKCS#12 trust store with the CA for Keycloak's client-certificate check, and
 * client certificates on demand. Every file is PEM (certificates; private keys as PKCS#8 {@code
 * PRIVATE KEY}), as the broker's {@code idp.tls} and Keycloak's {@code --https-certificate-*}
 * options expect. Certificates are valid from one hour ago for one day.
 */
final class TestPki {

  /** A certificate with its key, both written as PEM files. */
  record Issued(X509Certificate certificate, Path certFile, Path keyFile) {

    /** RFC 8705 §3.1: base64url(SHA-256(DER)), what Keycloak puts in {@code cnf.x5t#S256}. */
    String x5tS256() {
      try {
        return Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  static final String CA_DN = "CN=token-broker e2e test CA,O=token-broker e2e";

  private static final Duration BACKDATE = Duration.ofHours(1);
  private static final Duration VALIDITY = Duration.ofDays(1);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path dir;
  private final KeyPair caKeys;
  private final X509Certificate caCertificate;
  private final Path caFile;
  private final Path trustStore;
  private final String trustStorePassword;
  private final Issued server;

  private TestPki(Path dir) throws GeneralSecurityException, IOException {
    this.dir = Files.createDirectories(dir);
    this.caKeys = rsaKeys();
    X500Principal caName = new X500Principal(CA_DN);
    X509v3CertificateBuilder ca = builder(caName, caName, caKeys);
    ca.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
    ca.addExtension(
        Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    this.caCertificate = sign(ca);
    this.caFile = writeString("ca.pem", pem("CERTIFICATE", caCertificate.getEncoded()));

    this.trustStorePassword = KeycloakServer.randomSecret();
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setCertificateEntry("token-broker-e2e-ca", caCertificate);
    this.trustStore = dir.resolve("client-ca-truststore.p12");
    try (OutputStream out = Files.newOutputStream(trustStore)) {
      store.store(out, trustStorePassword.toCharArray());
    }

    KeyPair serverKeys = rsaKeys();
    X509v3CertificateBuilder leaf =
        builder(caName, new X500Principal("CN=127.0.0.1,O=token-broker e2e"), serverKeys);
    leaf.addExtension(
        Extension.subjectAlternativeName,
        false,
        new GeneralNames(
            new GeneralName[] {
              new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
              new GeneralName(GeneralName.dNSName, "localhost")
            }));
    leaf.addExtension(
        Extension.keyUsage,
        true,
        new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
    leaf.addExtension(
        Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
    this.server = write("keycloak-server", sign(leaf), serverKeys.getPrivate(), true);
  }

  /** A new CA and Keycloak server certificate under {@code dir}. */
  static TestPki create(Path dir) {
    try {
      return new TestPki(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot create the test CA", e);
    }
  }

  /**
   * A client certificate (TLS client authentication only) for {@code subjectDn}, given in RFC 2253
   * order as Keycloak prints and compares it ({@code CN=...,O=...}), written as {@code name.pem}
   * and {@code name-key.pem}.
   */
  Issued issueClient(String name, String subjectDn) {
    try {
      KeyPair keys = rsaKeys();
      X509v3CertificateBuilder leaf =
          builder(new X500Principal(CA_DN), new X500Principal(subjectDn), keys);
      leaf.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      leaf.addExtension(
          Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
      return write(name, sign(leaf), keys.getPrivate(), false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot issue a client certificate", e);
    }
  }

  /** The CA certificate (PEM): the broker's {@code idp.tls.trustFile}. */
  Path caFile() {
    return caFile;
  }

  /** PKCS#12 with the CA as trusted entry: Keycloak's {@code --https-trust-store-file}. */
  Path trustStore() {
    return trustStore;
  }

  String trustStorePassword() {
    return trustStorePassword;
  }

  /** Keycloak's certificate ({@code certFile} holds the chain: leaf, then CA) and key. */
  Issued server() {
    return server;
  }

  private Issued write(String name, X509Certificate cert, PrivateKey key, boolean withChain)
      throws IOException, GeneralSecurityException {
    String certs = pem("CERTIFICATE", cert.getEncoded());
    if (withChain) {
      certs += pem("CERTIFICATE", caCertificate.getEncoded());
    }
    Path certFile = writeString(name + ".pem", certs);
    Path keyFile = writeString(name + "-key.pem", privateKeyPem(key));
    return new Issued(cert, certFile, keyFile);
  }

  private Path writeString(String file, String content) throws IOException {
    return Files.writeString(dir.resolve(file), content, StandardCharsets.US_ASCII);
  }

  private X509v3CertificateBuilder builder(
      X500Principal issuer, X500Principal subject, KeyPair subjectKeys)
      throws GeneralSecurityException, IOException {
    Instant now = Instant.now();
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            issuer,
            new BigInteger(64, RANDOM).add(BigInteger.ONE),
            Date.from(now.minus(BACKDATE)),
            Date.from(now.plus(VALIDITY)),
            subject,
            subjectKeys.getPublic());
    JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
    builder.addExtension(
        Extension.subjectKeyIdentifier,
        false,
        utils.createSubjectKeyIdentifier(subjectKeys.getPublic()));
    if (!issuer.equals(subject)) {
      builder.addExtension(
          Extension.authorityKeyIdentifier,
          false,
          utils.createAuthorityKeyIdentifier(caCertificate));
    }
    return builder;
  }

  private X509Certificate sign(X509v3CertificateBuilder builder) throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(
              builder.build(
                  new JcaContentSignerBuilder("SHA256withRSA").build(caKeys.getPrivate())));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static KeyPair rsaKeys() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048, RANDOM);
    return generator.generateKeyPair();
  }

  /** PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}), as the JDK encodes every private key. */
  static String privateKeyPem(PrivateKey key) {
    if (!"PKCS#8".equals(key.getFormat())) {
      throw new IllegalArgumentException("not a PKCS#8 key: " + key.getFormat());
    }
    return pem("PRIVATE KEY", key.getEncoded());
  }

  static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}
