package dev.tokenbroker.e2e;

import static dev.tokenbroker.e2e.ClientAuthRealm.CLIENT_SECRET_JWT_CLIENT;
import static dev.tokenbroker.e2e.ClientAuthRealm.GRADES_AUDIENCE;
import static dev.tokenbroker.e2e.ClientAuthRealm.GRADES_SCOPE;
import static dev.tokenbroker.e2e.ClientAuthRealm.PRIVATE_KEY_JWT_CLIENT;
import static dev.tokenbroker.e2e.ClientAuthRealm.STUDENTS_AUDIENCE;
import static dev.tokenbroker.e2e.ClientAuthRealm.STUDENTS_SCOPE;
import static dev.tokenbroker.e2e.ClientAuthRealm.TLS_CLIENT;
import static dev.tokenbroker.e2e.ClientAuthRealm.TLS_CLIENT_DN;
import static dev.tokenbroker.e2e.ClientAuthRealm.WRITE_STUDENTS_SCOPE;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.e2e.Apps.Reply;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The broker's client authentication methods beyond client secrets, against a real Keycloak (realm
 * {@code clientauth}, served over https with the run's test CA, see {@link ClientAuthRealm}): each
 * method obtains a token through the broker jar that students-rs accepts; one broker serves two
 * audiences through two differently authenticated clients; a replayed and an expired client
 * assertion are refused by Keycloak and reach the caller as {@code 502 idp_error}; the signing key
 * is rotated by swapping the key file while tokens keep coming.
 *
 * <p>Two students-rs JVMs (audience {@value ClientAuthRealm#STUDENTS_AUDIENCE} and {@value
 * ClientAuthRealm#GRADES_AUDIENCE}) and the client's JWKS server serve the whole class; each test
 * starts its own broker (logs under {@code target/client-auth/<test>/}). The broker always trusts
 * Keycloak's certificate through {@code idp.tls.trustFile} alone.
 */
@ExtendWith({ClientAuthE2ETest.RequireJars.class, VertxExtension.class, KeycloakExtension.class})
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ClientAuthE2ETest {

  private static final long STEP_SECONDS = 30;
  private static final Duration POLL_INTERVAL = Duration.ofMillis(200);

  private static Vertx vertx;
  private static WebClient client;
  private static KeycloakServer keycloak;
  private static ClientAuthRealm realm;
  private static JwksServer jwks;
  private static ChildJvm studentsApi;
  private static ChildJvm gradesApi;
  private static String clientSecret;
  private static DirectClient direct;

  private Path testDir;

  /**
   * The jars this class runs: a missing one skips the class, or fails it with {@code CI=true}. A
   * callback, so that it runs before {@code @BeforeAll} starts Keycloak for nothing.
   */
  static final class RequireJars implements BeforeAllCallback {
    @Override
    public void beforeAll(ExtensionContext context) {
      Apps.requireJars(true);
    }
  }

  @BeforeAll
  static void startSharedServers(Vertx vertx, KeycloakServer keycloak) throws Exception {
    ClientAuthE2ETest.vertx = vertx;
    ClientAuthE2ETest.client = WebClient.create(vertx);
    ClientAuthE2ETest.keycloak = keycloak;
    realm = keycloak.clientAuth();
    direct = new DirectClient(vertx, keycloak);
    jwks = JwksServer.start(vertx).await(STEP_SECONDS, SECONDS);
    realm.useJwksUrl(jwks.url());
    clientSecret = KeycloakServer.randomSecret() + KeycloakServer.randomSecret();
    realm.setClientSecret(CLIENT_SECRET_JWT_CLIENT, clientSecret);

    Path dir = Files.createDirectories(KeycloakExtension.workDir().resolve("client-auth"));
    studentsApi = startResourceServer(dir, "students-rs", STUDENTS_AUDIENCE, STUDENTS_SCOPE);
    gradesApi = startResourceServer(dir, "grades-rs", GRADES_AUDIENCE, GRADES_SCOPE);
  }

  @AfterAll
  static void stopSharedServers() throws Exception {
    try (ChildJvm a = studentsApi;
        ChildJvm b = gradesApi) {
      if (jwks != null) {
        jwks.close().await(STEP_SECONDS, SECONDS);
      }
    }
  }

  @BeforeEach
  void testDir(TestInfo test) throws IOException {
    String method = test.getTestMethod().orElseThrow().getName();
    String name =
        test.getDisplayName().startsWith(method + "(")
            ? method
            : method + "-" + test.getDisplayName().replaceAll("[^A-Za-z0-9._-]+", "_");
    testDir =
        Files.createDirectories(KeycloakExtension.workDir().resolve("client-auth").resolve(name));
  }

  /**
   * private_key_jwt with each signing algorithm: the key's JWK (kid = RFC 7638 thumbprint, the
   * broker's default key id) is published at the client's {@code jwks.url}; the broker discovers
   * the https token endpoint, signs an assertion for it, and the token opens the students API.
   */
  @ParameterizedTest
  @ValueSource(strings = {"RS256", "PS256", "ES256"})
  void privateKeyJwtTokenOpensStudentsApi(String algorithm) throws Exception {
    ClientKey key = ClientKey.generate(algorithm);
    jwks.publish(key);
    int fetchesBefore = jwks.fetches();
    awaitKeyAccepted(key);
    // RSA keys as PEM (PKCS#8); the EC key as a private JWK without kid (the broker computes the
    // thumbprint from the JWK; a PEM EC key would need idp.keyId).
    Path keyFile =
        algorithm.startsWith("ES")
            ? writePrivate(testDir.resolve("client-key.jwk.json"), key.privateJwk().encode())
            : writePrivate(testDir.resolve("client-key.pem"), key.privateKeyPem());

    try (ChildJvm broker =
        startBroker(
            idp(
                PRIVATE_KEY_JWT_CLIENT,
                "private_key_jwt",
                "privateKeyFile: \"" + keyFile + "\"",
                "signingAlgorithm: " + algorithm),
            List.of(),
            tokens(entry(STUDENTS_AUDIENCE, List.of(STUDENTS_SCOPE), null, true)),
            Map.of())) {
      awaitReady(broker);
      String token = assertToken(broker, STUDENTS_AUDIENCE, STUDENTS_SCOPE, PRIVATE_KEY_JWT_CLIENT);

      assertOpens(studentsApi, token);
      assertRefused(gradesApi, token);
      assertTrue(
          jwks.fetches() > fetchesBefore,
          "Keycloak never fetched the JWKS for the new kid " + key.kid());
      assertNotLeaked(
          broker,
          List.of(token),
          pemBodyLines(key.privateKeyPem()),
          algorithm.startsWith("ES") ? key.privateJwk().getString("d") : List.of());
    }
  }

  /**
   * client_secret_jwt: an HS256 assertion with the client secret; the token opens the grades API.
   */
  @Test
  void clientSecretJwtTokenOpensGradesApi() throws Exception {
    try (ChildJvm broker =
        startBroker(
            idp(
                CLIENT_SECRET_JWT_CLIENT,
                "client_secret_jwt",
                "clientSecret: \"${E2E_CLIENT_SECRET}\""),
            List.of(),
            tokens(entry(GRADES_AUDIENCE, List.of(GRADES_SCOPE), null, true)),
            Map.of("E2E_CLIENT_SECRET", clientSecret))) {
      awaitReady(broker);
      String token = assertToken(broker, GRADES_AUDIENCE, GRADES_SCOPE, CLIENT_SECRET_JWT_CLIENT);

      assertOpens(gradesApi, token);
      assertRefused(studentsApi, token);
      assertNotLeaked(broker, List.of(token), List.of(clientSecret));
    }
  }

  /**
   * tls_client_auth: the broker presents a certificate of the test CA on the https connection to
   * the token endpoint (Keycloak's X.509 client authenticator checks its subject DN), and passes
   * the certificate-bound token ({@code cnf.x5t#S256} = the certificate's SHA-256 thumbprint)
   * through unchanged. Keycloak refuses a certificate with another subject, and no certificate.
   */
  @Test
  void tlsClientAuthTokenIsCertificateBound() throws Exception {
    TestPki.Issued cert = keycloak.pki().issueClient("tls-client", TLS_CLIENT_DN);
    try (ChildJvm broker =
        startBroker(
            idp(TLS_CLIENT, "tls_client_auth"),
            List.of(
                "    certFile: \"" + cert.certFile() + "\"",
                "    keyFile: \"" + cert.keyFile() + "\""),
            tokens(entry(STUDENTS_AUDIENCE, List.of(STUDENTS_SCOPE), null, true)),
            Map.of())) {
      awaitReady(broker);
      String token = assertToken(broker, STUDENTS_AUDIENCE, STUDENTS_SCOPE, TLS_CLIENT);
      JsonObject cnf = Jwt.decode(token).claims().getJsonObject("cnf");
      assertNotNull(cnf, "no cnf claim: " + Jwt.decode(token).claims().encode());
      assertEquals(cert.x5tS256(), cnf.getString("x5t#S256"));

      assertOpens(studentsApi, token);
      assertNotLeaked(broker, List.of(token), pemBodyLines(Files.readString(cert.keyFile())));
    }

    TestPki.Issued stranger =
        keycloak.pki().issueClient("stranger", "CN=someone-else,O=token-broker e2e");
    for (TestPki.Issued presented : Arrays.asList(stranger, null)) {
      Reply refused = direct.tlsGrant(TLS_CLIENT, presented, null).await(STEP_SECONDS, SECONDS);
      assertEquals(401, refused.status(), "certificate " + presented + ": " + refused.body());
      assertEquals("invalid_client", refused.json().getString("error"), refused.body());
    }
  }

  /**
   * One broker, two clients: the students audience through {@value
   * ClientAuthRealm#PRIVATE_KEY_JWT_CLIENT} ({@code idp}, private_key_jwt), the grades audience
   * through {@value ClientAuthRealm#CLIENT_SECRET_JWT_CLIENT} ({@code clients.grades},
   * client_secret_jwt). Each token comes from its own client and opens only its own API.
   */
  @Test
  void oneBrokerServesTwoAudiencesThroughTwoClients() throws Exception {
    ClientKey key = ClientKey.generate("RS256");
    jwks.publish(key);
    awaitKeyAccepted(key);
    Path keyFile = writePrivate(testDir.resolve("client-key.pem"), key.privateKeyPem());
    List<String> yaml = new ArrayList<>();
    yaml.addAll(
        idp(
            PRIVATE_KEY_JWT_CLIENT,
            "private_key_jwt",
            "privateKeyFile: \"" + keyFile + "\"",
            "signingAlgorithm: RS256"));
    yaml.add("clients:");
    yaml.add("  grades:");
    List<String> gradesClient =
        idp(CLIENT_SECRET_JWT_CLIENT, "client_secret_jwt", "clientSecret: \"${E2E_SECRET}\"");
    gradesClient.subList(1, gradesClient.size()).forEach(line -> yaml.add("  " + line));
    try (ChildJvm broker =
        startBroker(
            yaml,
            List.of(),
            tokens(
                entry(STUDENTS_AUDIENCE, List.of(STUDENTS_SCOPE), null, true),
                entry(GRADES_AUDIENCE, List.of(GRADES_SCOPE), "grades", true)),
            Map.of("E2E_SECRET", clientSecret))) {
      awaitReady(broker);
      String students =
          assertToken(broker, STUDENTS_AUDIENCE, STUDENTS_SCOPE, PRIVATE_KEY_JWT_CLIENT);
      String grades = assertToken(broker, GRADES_AUDIENCE, GRADES_SCOPE, CLIENT_SECRET_JWT_CLIENT);

      assertOpens(studentsApi, students);
      assertRefused(gradesApi, students);
      assertOpens(gradesApi, grades);
      assertRefused(studentsApi, grades);

      Reply metrics = get(broker.baseUri() + "/metrics").await(STEP_SECONDS, SECONDS);
      assertEquals(200, metrics.status());
      assertTrue(metrics.body().contains("client=\"grades\""), "no client=\"grades\" series");
      assertTrue(metrics.body().contains("client=\"default\""), "no client=\"default\" series");
      assertNotLeaked(
          broker, List.of(students, grades), pemBodyLines(key.privateKeyPem()), clientSecret);
    }
  }

  /**
   * A replayed and an expired client assertion. The broker never sends an assertion twice, so the
   * {@link AssertionProxy} between it and Keycloak stands in for an attacker or a broken network
   * path: it sends Keycloak the broker's first (successful) assertion again, then one the test
   * signed with the registered key but with {@code exp} in the past. Keycloak refuses both; the
   * broker answers {@code 502} with Keycloak's {@code error} as {@code idp_error}, and the direct
   * POST of the same assertions gets the same refusal, while a fresh, unexpired assertion crafted
   * the same way is accepted (so it was the replay and the expiry that were refused).
   */
  @Test
  void replayedAndExpiredAssertionsAreRefusedAsIdpError() throws Exception {
    ClientKey key = ClientKey.generate("RS256");
    jwks.publish(key);
    awaitKeyAccepted(key);
    Path keyFile = writePrivate(testDir.resolve("client-key.pem"), key.privateKeyPem());
    AssertionProxy proxy =
        AssertionProxy.start(vertx, realm.tokenEndpoint(), keycloak.pki().caFile())
            .await(STEP_SECONDS, SECONDS);
    try (ChildJvm broker =
        startBroker(
            idp(
                PRIVATE_KEY_JWT_CLIENT,
                "private_key_jwt",
                "privateKeyFile: \"" + keyFile + "\"",
                "signingAlgorithm: RS256",
                "tokenEndpoint: \"" + proxy.tokenEndpoint() + "\"",
                "assertionAudience: issuer"),
            List.of(),
            tokens(
                entry(
                    STUDENTS_AUDIENCE, List.of(STUDENTS_SCOPE, WRITE_STUDENTS_SCOPE), null, false)),
            Map.of())) {
      // 1. A normal call, and what the broker's assertion looks like on the wire.
      Reply first = brokerToken(broker, STUDENTS_AUDIENCE, STUDENTS_SCOPE).await(60, SECONDS);
      assertEquals(200, first.status(), first.body());
      AssertionProxy.Call call = proxy.calls().get(0);
      assertEquals(200, call.status(), call.toString());
      assertEquals(PRIVATE_KEY_JWT_CLIENT, call.clientId());
      assertEquals(DirectClient.JWT_BEARER, call.assertionType());
      Jwt assertion = call.broker();
      assertEquals("RS256", assertion.header().getString("alg"));
      assertEquals(key.kid(), assertion.kid());
      assertEquals(PRIVATE_KEY_JWT_CLIENT, assertion.issuer());
      assertEquals(PRIVATE_KEY_JWT_CLIENT, assertion.claims().getString("sub"));
      assertEquals(List.of(realm.issuer()), assertion.audiences());
      assertNotNull(assertion.claims().getString("jti"));
      long lifetime = assertion.claims().getLong("exp") - assertion.claims().getLong("iat");
      assertTrue(lifetime > 0 && lifetime <= 60, "assertion lifetime " + lifetime + " s");
      String captured = call.brokerAssertion();

      // 2. Replay: Keycloak gets the first assertion again, for a new token.
      proxy.substitute(captured);
      Reply replayed =
          brokerToken(broker, STUDENTS_AUDIENCE, WRITE_STUDENTS_SCOPE).await(60, SECONDS);
      AssertionProxy.Call replayCall = proxy.calls().get(1);
      assertNotEquals(
          assertion.claims().getString("jti"),
          replayCall.broker().claims().getString("jti"),
          "the broker itself reused a jti");
      assertEquals(captured, replayCall.sentAssertion());
      assertIdpError(replayed, replayCall);
      Reply directReplay =
          direct
              .assertionGrant(PRIVATE_KEY_JWT_CLIENT, captured, null)
              .await(STEP_SECONDS, SECONDS);
      assertEquals(replayCall.status(), directReplay.status(), directReplay.body());
      assertEquals(replayCall.answer().getString("error"), directReplay.json().getString("error"));

      // 3. Expired: signed with the registered key, exp a minute ago.
      long now = Instant.now().getEpochSecond();
      String expired =
          direct.sign(
              key,
              DirectClient.claims(PRIVATE_KEY_JWT_CLIENT, realm.issuer(), now - 120, now - 60));
      proxy.substitute(expired);
      Reply refused =
          brokerToken(broker, STUDENTS_AUDIENCE, STUDENTS_SCOPE + " " + WRITE_STUDENTS_SCOPE)
              .await(60, SECONDS);
      AssertionProxy.Call expiredCall = proxy.calls().get(2);
      assertEquals(expired, expiredCall.sentAssertion());
      assertIdpError(refused, expiredCall);
      System.out.printf(
          "Keycloak refused a replayed assertion with %d %s and an expired one with %d %s%n",
          replayCall.status(), replayCall.answer(), expiredCall.status(), expiredCall.answer());

      // The same crafting with a valid exp is accepted: only the replay and the expiry were wrong.
      String fresh =
          direct.sign(
              key, DirectClient.claims(PRIVATE_KEY_JWT_CLIENT, realm.issuer(), now, now + 50));
      Reply valid =
          direct.assertionGrant(PRIVATE_KEY_JWT_CLIENT, fresh, null).await(STEP_SECONDS, SECONDS);
      assertEquals(200, valid.status(), valid.body());

      List<String> assertions = new ArrayList<>();
      proxy.calls().forEach(c -> assertions.add(c.brokerAssertion()));
      assertions.add(expired);
      assertNotLeaked(broker, assertions, pemBodyLines(key.privateKeyPem()));
      for (Reply answer : List.of(replayed, refused)) {
        assertions.forEach(a -> assertFalse(answer.body().contains(a), "assertion in the answer"));
      }
    } finally {
      proxy.close().await(STEP_SECONDS, SECONDS);
    }
  }

  /**
   * Key rotation by file swap: the broker's {@code idp.privateKeyFile} lives in a Secret-style
   * volume ({@code ..data} symlink, see {@link SecretVolume}). The new public key is published in
   * the JWKS first, then the volume is swapped; the broker picks up the new key by itself and every
   * call after the switch is signed with the new kid, Keycloak accepts every one, and {@code
   * /v1/token} answers 200 throughout. The old key is withdrawn afterwards.
   */
  @Test
  void privateKeyRotationByFileSwapKeepsTokensComing() throws Exception {
    ClientKey oldKey = ClientKey.generate("RS256");
    ClientKey newKey = ClientKey.generate("RS256");
    jwks.publish(oldKey);
    awaitKeyAccepted(oldKey);
    SecretVolume volume =
        SecretVolume.create(
            testDir.resolve("secret-volume"), "client-key.pem", oldKey.privateKeyPem());
    AssertionProxy proxy =
        AssertionProxy.start(vertx, realm.tokenEndpoint(), keycloak.pki().caFile())
            .await(STEP_SECONDS, SECONDS);
    try (ChildJvm broker =
        startBroker(
            idp(
                PRIVATE_KEY_JWT_CLIENT,
                "private_key_jwt",
                "privateKeyFile: \"" + volume.file() + "\"",
                "signingAlgorithm: RS256",
                "tokenEndpoint: \"" + proxy.tokenEndpoint() + "\"",
                "assertionAudience: issuer",
                "secretReloadSeconds: 1"),
            List.of(),
            tokens(entry(STUDENTS_AUDIENCE, List.of(STUDENTS_SCOPE), null, true)),
            Map.of())) {
      awaitReady(broker);
      String before =
          assertToken(broker, STUDENTS_AUDIENCE, STUDENTS_SCOPE, PRIVATE_KEY_JWT_CLIENT);
      assertEquals(oldKey.kid(), proxy.calls().get(0).broker().kid());

      jwks.publish(newKey);
      awaitKeyAccepted(newKey);
      volume.swap(newKey.privateKeyPem());
      Instant swapped = Instant.now();

      // Until a token obtained with the new key is served, every answer must be a token.
      List<Reply> answers = new ArrayList<>();
      Reply served =
          Poll.until(
                  vertx,
                  () ->
                      brokerToken(broker, STUDENTS_AUDIENCE, STUDENTS_SCOPE)
                          .onSuccess(answers::add),
                  r ->
                      r.status() == 200
                          && issuedWith(proxy, r.json().getString("access_token"), newKey),
                  Duration.ofMillis(500),
                  Duration.ofSeconds(60))
              .await(90, SECONDS);
      for (Reply answer : answers) {
        assertEquals(200, answer.status(), "during the rotation: " + answer.body());
      }
      String after = served.json().getString("access_token");
      assertNotEquals(before, after);
      jwks.withdraw(oldKey);

      List<AssertionProxy.Call> calls = proxy.calls();
      int firstNew = -1;
      for (int i = 0; i < calls.size(); i++) {
        AssertionProxy.Call c = calls.get(i);
        assertEquals(200, c.status(), "IdP call " + i + " of " + calls);
        if (firstNew < 0 && newKey.kid().equals(c.broker().kid())) {
          firstNew = i;
        }
        if (firstNew >= 0) {
          assertEquals(
              newKey.kid(), c.broker().kid(), "old key used again after the switch: " + calls);
        }
      }
      System.out.printf(
          "key rotation: new kid first used %d ms after the swap, %d IdP calls%n",
          Duration.between(swapped, Instant.now()).toMillis(), calls.size());
      assertOpens(studentsApi, after);
      assertNotLeaked(
          broker,
          List.of(before, after),
          pemBodyLines(oldKey.privateKeyPem()),
          pemBodyLines(newKey.privateKeyPem()));
    } finally {
      proxy.close().await(STEP_SECONDS, SECONDS);
    }
  }

  // ---- the broker and its configuration ----

  /**
   * How the broker trusts the test CA: {@code tls} (default) through {@code idp.tls.trustFile} for
   * every method, as the issue asks; {@code jvm} through the broker JVM's default trust store
   * ({@code -Djavax.net.ssl.trustStore} in {@code JAVA_TOOL_OPTIONS}) for the methods without a
   * client certificate, for a broker that accepts {@code idp.tls} only with the mTLS methods.
   * System property {@code e2e.brokerTrust}.
   */
  private static final boolean TRUST_THROUGH_JVM =
      "jvm".equals(System.getProperty("e2e.brokerTrust", "tls"));

  /** The {@code idp:} block for {@code clientId} in the clientauth realm (https, test CA). */
  private static List<String> idp(String clientId, String authMethod, String... extra) {
    List<String> yaml = new ArrayList<>();
    yaml.add("idp:");
    yaml.add("  issuer: \"" + realm.issuer() + "\"");
    yaml.add("  clientId: \"" + clientId + "\"");
    yaml.add("  authMethod: " + authMethod);
    yaml.add("  audienceParameter: none");
    if (!TRUST_THROUGH_JVM || authMethod.contains("tls")) {
      yaml.add("  tls:");
      yaml.add("    trustFile: \"" + keycloak.pki().caFile() + "\"");
    }
    for (String line : extra) {
      yaml.add("  " + line);
    }
    return yaml;
  }

  private static List<String> tokens(String... entries) {
    List<String> yaml = new ArrayList<>();
    yaml.add("tokens:");
    yaml.addAll(List.of(entries));
    return yaml;
  }

  private static String entry(
      String audience, List<String> scopes, String client, boolean prefetch) {
    StringBuilder entry =
        new StringBuilder("  - {audience: \"").append(audience).append("\", scopes: [");
    for (int i = 0; i < scopes.size(); i++) {
      entry.append(i == 0 ? "" : ", ").append('"').append(scopes.get(i)).append('"');
    }
    entry.append("], prefetch: ").append(prefetch);
    if (client != null) {
      entry.append(", client: ").append(client);
    }
    return entry.append('}').toString();
  }

  /**
   * Starts the broker with {@code idp} (plus {@code tlsExtra} lines appended to its {@code tls:}
   * block, which {@link #idp} ends with unless extra keys follow) and {@code tokens}.
   */
  private ChildJvm startBroker(
      List<String> idp, List<String> tlsExtra, List<String> tokens, Map<String, String> env)
      throws IOException {
    List<String> yaml = new ArrayList<>();
    yaml.add("http: {host: 127.0.0.1, port: 0}");
    List<String> idpBlock = new ArrayList<>(idp);
    if (!tlsExtra.isEmpty()) {
      int trust = idpBlock.indexOf("    trustFile: \"" + keycloak.pki().caFile() + "\"");
      idpBlock.addAll(trust + 1, tlsExtra);
    }
    yaml.addAll(idpBlock);
    yaml.add("eventBus: {tcpBridge: {enabled: false}}");
    yaml.addAll(tokens);
    Path config = Files.write(testDir.resolve("broker.yaml"), yaml);
    Map<String, String> environment = new HashMap<>(env);
    if (TRUST_THROUGH_JVM) {
      TestPki pki = keycloak.pki();
      environment.put(
          "JAVA_TOOL_OPTIONS",
          "-Djavax.net.ssl.trustStore="
              + pki.trustStore()
              + " -Djavax.net.ssl.trustStoreType=PKCS12 -Djavax.net.ssl.trustStorePassword="
              + pki.trustStorePassword());
    }
    return ChildJvm.start(
        "broker", Apps.BROKER_JAR, config, environment, testDir.resolve("broker.log"));
  }

  private static ChildJvm startResourceServer(
      Path dir, String name, String audience, String requiredScope) throws Exception {
    List<String> yaml = new ArrayList<>();
    yaml.add("http: {host: 127.0.0.1, port: 0}");
    yaml.add("issuer: \"" + realm.issuer() + "\"");
    yaml.add("jwksUri: \"" + realm.jwksUriOverHttp() + "\"");
    yaml.add("audience: \"" + audience + "\"");
    yaml.add("requiredScope: \"" + requiredScope + "\"");
    Path config = Files.write(dir.resolve(name + ".yaml"), yaml);
    ChildJvm server =
        ChildJvm.start(name, Apps.STUDENTS_JAR, config, Map.of(), dir.resolve(name + ".log"));
    try {
      awaitReady(server);
    } catch (Exception | Error e) {
      server.close();
      throw e;
    }
    return server;
  }

  /**
   * Waits until Keycloak accepts an assertion the test signs with {@code key}. Keycloak loads a
   * client's keys from its {@code jwks.url} on a kid miss, at most once per
   * min-time-between-requests; a broker refused meanwhile ("Unable to load public key") would wait
   * its full backoff. So the test waits for Keycloak to know the key before the broker uses it.
   */
  private static void awaitKeyAccepted(ClientKey key) throws Exception {
    Reply accepted =
        Poll.until(
                vertx,
                () -> {
                  long now = Instant.now().getEpochSecond();
                  return direct.assertionGrant(
                      PRIVATE_KEY_JWT_CLIENT,
                      direct.sign(
                          key,
                          DirectClient.claims(
                              PRIVATE_KEY_JWT_CLIENT, realm.issuer(), now, now + 50)),
                      null);
                },
                r -> r.status() == 200,
                Duration.ofSeconds(1),
                Duration.ofSeconds(STEP_SECONDS * 2))
            .await(STEP_SECONDS * 3, SECONDS);
    assertEquals(200, accepted.status(), accepted.body());
  }

  private static void awaitReady(ChildJvm server) throws Exception {
    Reply ready =
        Poll.until(
                vertx,
                () -> get(server.baseUri() + "/health/ready"),
                r -> r.status() == 200,
                POLL_INTERVAL,
                Duration.ofSeconds(STEP_SECONDS * 2))
            .recover(
                timeout ->
                    get(server.baseUri() + "/health/ready")
                        .map(
                            last -> {
                              throw new AssertionError(
                                  server + " not ready: " + last.status() + " " + last.body());
                            }))
            .await(STEP_SECONDS * 3, SECONDS);
    assertEquals(200, ready.status());
  }

  // ---- assertions ----

  /** GET /v1/token answers 200 with a token from {@code clientId} for the audience and scope. */
  private static String assertToken(ChildJvm broker, String audience, String scope, String clientId)
      throws Exception {
    Reply reply = brokerToken(broker, audience, scope).await(STEP_SECONDS, SECONDS);
    assertEquals(200, reply.status(), reply.body());
    String token = reply.json().getString("access_token");
    Jwt jwt = Jwt.decode(token);
    assertEquals(realm.issuer(), jwt.issuer());
    assertTrue(jwt.audiences().contains(audience), jwt.claims().encode());
    assertTrue(jwt.scopes().contains(scope), jwt.claims().encode());
    assertEquals(clientId, jwt.claims().getString("azp"), jwt.claims().encode());
    return token;
  }

  private static void assertOpens(ChildJvm resourceServer, String token) throws Exception {
    Reply reply = callApi(resourceServer, token).await(STEP_SECONDS, SECONDS);
    assertEquals(200, reply.status(), resourceServer + ": " + reply.body());
    assertEquals(
        new JsonArray("[{\"id\":1,\"name\":\"Ada\"},{\"id\":2,\"name\":\"Alan\"}]"),
        new JsonArray(reply.body()));
  }

  private static void assertRefused(ChildJvm resourceServer, String token) throws Exception {
    Reply reply = callApi(resourceServer, token).await(STEP_SECONDS, SECONDS);
    assertEquals(401, reply.status(), resourceServer + " accepted a token for another audience");
  }

  /** The broker's answer is 502 idp_error carrying the {@code error} Keycloak gave the proxy. */
  private static void assertIdpError(Reply reply, AssertionProxy.Call call) {
    assertTrue(call.status() == 400 || call.status() == 401, call.toString());
    assertEquals(502, reply.status(), reply.body());
    assertEquals("idp_error", reply.json().getString("error"), reply.body());
    String keycloakError = call.answer().getString("error");
    assertNotNull(keycloakError, call.toString());
    assertEquals(keycloakError, reply.json().getString("idp_error"), reply.body());
  }

  /** None of {@code secrets} is in the broker's log. */
  private static void assertNotLeaked(ChildJvm broker, List<String> tokens, Object... secrets)
      throws IOException {
    String log = Files.readString(broker.logFile());
    List<String> all = new ArrayList<>(tokens);
    for (Object s : secrets) {
      if (s instanceof List<?> list) {
        list.forEach(item -> all.add((String) item));
      } else {
        all.add((String) s);
      }
    }
    for (String secret : all) {
      assertFalse(log.contains(secret), "a token, key or secret is in " + broker.logFile());
    }
  }

  /** The base64 lines of a PEM (each 64 characters of key material), to search logs for. */
  private static List<String> pemBodyLines(String pem) {
    return pem.lines().filter(l -> !l.startsWith("-----") && l.length() >= 40).toList();
  }

  /** Whether {@code accessToken} was issued for a call the broker signed with {@code key}. */
  private static boolean issuedWith(AssertionProxy proxy, String accessToken, ClientKey key) {
    return proxy.calls().stream()
        .anyMatch(c -> accessToken.equals(c.accessToken()) && key.kid().equals(c.broker().kid()));
  }

  // ---- requests ----

  private static Future<Reply> brokerToken(ChildJvm broker, String audience, String scope) {
    String uri =
        broker.baseUri()
            + "/v1/token?audience="
            + URLEncoder.encode(audience, StandardCharsets.UTF_8)
            + "&scope="
            + URLEncoder.encode(scope, StandardCharsets.UTF_8);
    return send(client.getAbs(uri).putHeader("Token-Broker-Request", "true"));
  }

  private static Future<Reply> callApi(ChildJvm resourceServer, String accessToken) {
    return send(
        client
            .getAbs(resourceServer.baseUri() + "/students")
            .putHeader("Authorization", "Bearer " + accessToken));
  }

  private static Future<Reply> get(String uri) {
    return send(client.getAbs(uri));
  }

  private static Future<Reply> send(HttpRequest<?> request) {
    return request
        .timeout(Duration.ofSeconds(15).toMillis())
        .send()
        .map(r -> new Reply(r.statusCode(), r.bodyAsString() == null ? "" : r.bodyAsString()));
  }

  private static Path writePrivate(Path file, String content) throws IOException {
    Files.writeString(file, content, StandardCharsets.US_ASCII);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    return file;
  }
}
