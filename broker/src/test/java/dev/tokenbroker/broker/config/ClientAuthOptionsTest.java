package dev.tokenbroker.broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.testing.TestKeys;
import dev.tokenbroker.common.config.ConfigException;
import dev.tokenbroker.common.config.ConfigReader;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key and certificate files of the new client authentication methods, as configuration. */
class ClientAuthOptionsTest {

  @TempDir Path dir;

  private static IdpOptions idp(JsonObject extra) {
    return new IdpOptions(
        new ConfigReader(
            "idp",
            new JsonObject()
                .put("tokenEndpoint", "https://idp.example/token")
                .put("clientId", "broker")
                .mergeIn(extra)));
  }

  private Path write(String name, String content) throws Exception {
    return Files.writeString(dir.resolve(name), content);
  }

  private JsonObject pkj(Path key, String alg) {
    JsonObject o =
        new JsonObject().put("authMethod", "private_key_jwt").put("privateKeyFile", key.toString());
    return alg == null ? o : o.put("signingAlgorithm", alg);
  }

  private ConfigException refused(JsonObject extra, String field) {
    ConfigException e = assertThrows(ConfigException.class, () -> idp(extra));
    assertEquals(field, e.field(), e.getMessage());
    assertFalse(e.getMessage().contains("MII"), "no key material in " + e.getMessage());
    return e;
  }

  @Test
  void theKeyIsNeverInToStringOrToJson() throws Exception {
    KeyPair pair = TestKeys.rsa();
    String pem = TestKeys.pkcs8(pair.getPrivate());
    IdpOptions o = idp(pkj(write("k.pem", pem), null));
    String body = pem.split("\n")[1];
    for (String s : new String[] {o.toString(), o.toJson().encode(), o.signingKey().toString()}) {
      assertFalse(s.contains(body) || s.contains("PRIVATE KEY"), s);
    }
    assertEquals("RS256", o.toJson().getString("signingAlgorithm"));
    assertEquals(TestKeys.thumbprint(pair.getPublic()), o.toJson().getString("keyId"));
    assertEquals(null, o.clientSecret(), "no secret needed");
  }

  @Test
  void aKeyThatDoesNotFitTheAlgorithmIsRefusedNamingTheFile() throws Exception {
    Path rsa = write("rsa.pem", TestKeys.pkcs8(TestKeys.rsa().getPrivate()));
    assertTrue(
        refused(pkj(rsa, "ES256").put("keyId", "k"), "idp.privateKeyFile")
            .getMessage()
            .contains("EC"));
    Path ec = write("ec.pem", TestKeys.pkcs8(TestKeys.ec().getPrivate()));
    refused(pkj(ec, "RS256"), "idp.privateKeyFile");
    assertTrue(refused(pkj(ec, "ES256"), "idp.privateKeyFile").getMessage().contains("keyId"));
    Path pkcs1 =
        write(
            "pkcs1.pem",
            "-----BEGIN RSA PRIVATE KEY-----\nMIIabc\n-----END RSA PRIVATE KEY-----\n");
    assertTrue(refused(pkj(pkcs1, null), "idp.privateKeyFile").getMessage().contains("pkcs8"));
    JsonObject publicOnly = TestKeys.jwk(TestKeys.rsa());
    publicOnly.remove("d");
    refused(pkj(write("pub.jwk", publicOnly.encode()), null), "idp.privateKeyFile");
    JsonObject otherAlg = TestKeys.jwk(TestKeys.rsa()).put("alg", "PS256");
    refused(pkj(write("alg.jwk", otherAlg.encode()), "RS256"), "idp.privateKeyFile");
  }

  @Test
  void tlsClientAuthWithoutATlsBlockSaysWhatIsMissing() {
    ConfigException e = refused(new JsonObject().put("authMethod", "tls_client_auth"), "idp.tls");
    assertEquals("idp.tls: required for tls_client_auth ({certFile, keyFile})", e.getMessage());
  }

  @Test
  void tlsFilesAreCheckedAtStartUp() throws Exception {
    TestKeys.CertFiles c = TestKeys.selfSigned(dir, "c", "broker");
    JsonObject ok =
        new JsonObject()
            .put("authMethod", "tls_client_auth")
            .put(
                "tls",
                new JsonObject()
                    .put("certFile", c.cert().toString())
                    .put("keyFile", c.key().toString()));
    IdpOptions o = idp(ok);
    assertFalse(o.toString().contains("PRIVATE"), o.toString());
    JsonObject swapped = ok.copy();
    swapped.getJsonObject("tls").put("certFile", c.key().toString());
    refused(swapped, "idp.tls.certFile");
    JsonObject keyIsCert = ok.copy();
    keyIsCert.getJsonObject("tls").put("keyFile", c.cert().toString());
    refused(keyIsCert, "idp.tls.keyFile");
  }
}
