package dev.tokenbroker.broker.api.proxy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority made at test time with the JDK's {@code keytool}: its certificate as PEM
 * ({@link #caPem()}) and a PKCS#12 key store with a server certificate it signed for {@code
 * IP:127.0.0.1} ({@link #serverKeyStore()}, password {@link #PASSWORD}). Nothing is committed.
 */
final class TestCa {

  static final String PASSWORD = "test-only";

  private final Path dir;
  private final String name;

  private TestCa(Path dir, String name) {
    this.dir = dir;
    this.name = name;
  }

  static TestCa create(Path dir, String name) throws Exception {
    TestCa ca = new TestCa(dir, name);
    ca.keytool(
        "-genkeypair",
        "-alias",
        "ca",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=" + name + " test CA",
        "-ext",
        "bc:c",
        "-validity",
        "2",
        "-keystore",
        ca.file("ca.p12"),
        "-storetype",
        "PKCS12",
        "-storepass",
        PASSWORD);
    ca.keytool(
        "-exportcert",
        "-rfc",
        "-alias",
        "ca",
        "-keystore",
        ca.file("ca.p12"),
        "-storepass",
        PASSWORD,
        "-file",
        ca.file("ca.pem"));
    ca.keytool(
        "-genkeypair",
        "-alias",
        "server",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=127.0.0.1",
        "-validity",
        "2",
        "-keystore",
        ca.file("server.p12"),
        "-storetype",
        "PKCS12",
        "-storepass",
        PASSWORD);
    ca.keytool(
        "-certreq",
        "-alias",
        "server",
        "-keystore",
        ca.file("server.p12"),
        "-storepass",
        PASSWORD,
        "-file",
        ca.file("server.csr"));
    ca.keytool(
        "-gencert",
        "-rfc",
        "-alias",
        "ca",
        "-keystore",
        ca.file("ca.p12"),
        "-storepass",
        PASSWORD,
        "-infile",
        ca.file("server.csr"),
        "-outfile",
        ca.file("server.pem"),
        "-ext",
        "san=ip:127.0.0.1",
        "-ext",
        "eku=serverAuth",
        "-validity",
        "2");
    ca.keytool(
        "-importcert",
        "-noprompt",
        "-alias",
        "ca",
        "-file",
        ca.file("ca.pem"),
        "-keystore",
        ca.file("server.p12"),
        "-storepass",
        PASSWORD);
    ca.keytool(
        "-importcert",
        "-noprompt",
        "-alias",
        "server",
        "-file",
        ca.file("server.pem"),
        "-keystore",
        ca.file("server.p12"),
        "-storepass",
        PASSWORD);
    return ca;
  }

  Path caPem() {
    return dir.resolve(name + "-ca.pem");
  }

  Path serverKeyStore() {
    return dir.resolve(name + "-server.p12");
  }

  private String file(String base) {
    return dir.resolve(name + "-" + base).toString();
  }

  private void keytool(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("keytool did not finish: " + cmd);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IOException("keytool failed (" + p.exitValue() + "): " + out);
    }
  }
}
