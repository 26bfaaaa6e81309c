package dev.tokenbroker.e2e;

import static dev.tokenbroker.e2e.KeycloakServer.BROKER_CLIENT_ID;
import static dev.tokenbroker.e2e.KeycloakServer.STUDENTS_AUDIENCE;
import static dev.tokenbroker.e2e.KeycloakServer.STUDENTS_SCOPE;
import static dev.tokenbroker.e2e.KeycloakServer.TOKEN_LIFESPAN;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpResponseExpectation;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The whole flow against a real Keycloak: the broker jar fetches and refreshes tokens, the
 * students-rs jar validates them. Each test starts its own broker and students-rs JVMs (logs under
 * {@code target/full-flow/<test>/}) and stops them when it ends, pass or fail. Skipped while either
 * jar is missing, failed instead with {@code CI=true}.
 *
 * <p>Each step awaits its {@code Future} on the JUnit thread (never an event loop) with a deadline,
 * so a scenario reads top to bottom; waiting is done by polling on a Vert.x timer.
 */
@ExtendWith({FullFlowE2ETest.RequireJars.class, VertxExtension.class, KeycloakExtension.class})
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class FullFlowE2ETest {

  private static final Path BROKER_JAR = pathProperty("broker.jar");
  private static final Path STUDENTS_JAR = pathProperty("students.jar");
  private static final JsonArray STUDENTS =
      new JsonArray("[{\"id\":1,\"name\":\"Ada\"},{\"id\":2,\"name\":\"Alan\"}]");
  private static final long STEP_SECONDS = 30;
  private static final Duration POLL_INTERVAL = Duration.ofMillis(200);

  private Vertx vertx;
  private WebClient client;
  private KeycloakServer keycloak;
  private Path testDir;

  /** An HTTP answer reduced to what the assertions and failure messages need. */
  private record Reply(int status, String body) {
    JsonObject json() {
      return new JsonObject(body);
    }
  }

  /** One answer of the broker's token API and when it arrived. */
  private record Sample(Instant receivedAt, Reply reply) {
    String accessToken() {
      return reply.json().getString("access_token");
    }
  }

  private record BrokerSetup(ClientAuthMethod authMethod, String tokenEndpoint, boolean prefetch) {}

  /**
   * Skips each test, visibly, while a jar is missing, or fails it with {@code CI=true} (see {@link
   * Prerequisites}). A callback rather than a check in {@code @BeforeEach}: callbacks run before
   * the {@code @BeforeEach} parameters are resolved, so such a run does not start Keycloak for
   * nothing.
   */
  static final class RequireJars implements BeforeEachCallback {
    @Override
    public void beforeEach(ExtensionContext context) {
      Prerequisites.jar("broker", BROKER_JAR);
      Prerequisites.jar("students-rs", STUDENTS_JAR);
    }
  }

  @BeforeEach
  void setUp(Vertx vertx, KeycloakServer keycloak, TestInfo test) throws IOException {
    this.vertx = vertx;
    this.client = WebClient.create(vertx);
    this.keycloak = keycloak;
    String method = test.getTestMethod().orElseThrow().getName();
    String name =
        test.getDisplayName().startsWith(method + "(")
            ? method
            : method + "-" + test.getDisplayName().replaceAll("[^A-Za-z0-9._-]+", "_");
    this.testDir =
        Files.createDirectories(KeycloakExtension.workDir().resolve("full-flow").resolve(name));
  }

  /** (a) and (e): whichever way the broker authenticates, its token opens the students API. */
  @ParameterizedTest
  @EnumSource(ClientAuthMethod.class)
  void brokerTokenOpensStudentsApi(ClientAuthMethod method) throws Exception {
    CountingTokenProxy proxy =
        CountingTokenProxy.start(vertx, keycloak.tokenEndpoint()).await(STEP_SECONDS, SECONDS);
    try (ChildJvm students = startStudents();
        ChildJvm broker =
            startBroker(
                new BrokerSetup(method, proxy.tokenEndpoint(), true),
                keycloak.brokerClientSecret())) {
      awaitReady(broker);

      Reply tokenReply = brokerToken(broker).await(STEP_SECONDS, SECONDS);
      assertEquals(200, tokenReply.status(), tokenReply.body());
      JsonObject token = tokenReply.json();
      assertTrue("bearer".equalsIgnoreCase(token.getString("token_type")), tokenReply.body());
      long expiresIn = token.getLong("expires_in");
      assertTrue(expiresIn > 0 && expiresIn <= TOKEN_LIFESPAN.toSeconds(), tokenReply.body());
      assertNotNull(token.getValue("expires_at"), tokenReply.body());
      assertTrue(
          Arrays.asList(token.getString("scope", "").split(" ")).contains(STUDENTS_SCOPE),
          tokenReply.body());
      String accessToken = token.getString("access_token");
      Jwt jwt = Jwt.decode(accessToken);
      assertEquals(keycloak.issuer(), jwt.issuer());
      assertTrue(jwt.audiences().contains(STUDENTS_AUDIENCE), jwt.claims().encode());

      Reply list = listStudents(students, accessToken).await(STEP_SECONDS, SECONDS);
      assertEquals(200, list.status(), list.body());
      assertEquals(STUDENTS, new JsonArray(list.body()));
      assertEquals(401, listStudents(students, null).await(STEP_SECONDS, SECONDS).status());
      assertEquals(401, listStudents(students, "not-a-jwt").await(STEP_SECONDS, SECONDS).status());
      assertEquals(
          401,
          listStudents(students, tamperSignature(accessToken))
              .await(STEP_SECONDS, SECONDS)
              .status());

      List<CountingTokenProxy.Call> calls = proxy.calls();
      assertFalse(calls.isEmpty(), "the broker never called the token endpoint");
      for (CountingTokenProxy.Call call : calls) {
        assertEquals("POST", call.method(), call.toString());
        assertEquals("client_credentials", call.grantType(), call.toString());
        assertEquals(200, call.status(), call.toString());
        assertTrue(
            call.scope() != null && Arrays.asList(call.scope().split(" ")).contains(STUDENTS_SCOPE),
            call.toString());
        assertEquals(
            method == ClientAuthMethod.CLIENT_SECRET_BASIC, call.basicAuth(), call.toString());
        assertEquals(
            method == ClientAuthMethod.CLIENT_SECRET_POST, call.secretInBody(), call.toString());
      }
    } finally {
      proxy.close().await(STEP_SECONDS, SECONDS);
    }
  }

  /**
   * (b): over three token lifetimes the broker never hands out an expired token, switches to a new
   * one before the old one expires, and calls the IdP exactly once for each token it serves.
   */
  @Test
  void brokerRefreshesAheadOfExpiryWithOneIdpCallPerToken() throws Exception {
    CountingTokenProxy proxy =
        CountingTokenProxy.start(vertx, keycloak.tokenEndpoint()).await(STEP_SECONDS, SECONDS);
    try (ChildJvm broker =
        startBroker(
            new BrokerSetup(ClientAuthMethod.CLIENT_SECRET_BASIC, proxy.tokenEndpoint(), true),
            keycloak.brokerClientSecret())) {
      awaitReady(broker);

      Duration window = TOKEN_LIFESPAN.multipliedBy(3).plusSeconds(5);
      List<Sample> samples =
          sample(broker, window).await(window.toMillis() + STEP_SECONDS * 1000, MILLISECONDS);

      Map<String, Instant> firstSeen = new LinkedHashMap<>();
      for (Sample sample : samples) {
        assertEquals(200, sample.reply().status(), sample.reply().body());
        Instant expiresAt = Jwt.decode(sample.accessToken()).expiresAt();
        assertTrue(
            sample.receivedAt().isBefore(expiresAt),
            "expired token served at " + sample.receivedAt() + ", exp " + expiresAt);
        firstSeen.putIfAbsent(sample.accessToken(), sample.receivedAt());
      }
      List<String> served = new ArrayList<>(firstSeen.keySet());
      assertTrue(
          served.size() >= 4,
          "token changed " + (served.size() - 1) + " times in " + window.toSeconds() + " s");
      for (int i = 1; i < served.size(); i++) {
        Instant previousExpiry = Jwt.decode(served.get(i - 1)).expiresAt();
        assertTrue(
            firstSeen.get(served.get(i)).isBefore(previousExpiry),
            "token "
                + i
                + " first served at "
                + firstSeen.get(served.get(i))
                + ", after its predecessor expired at "
                + previousExpiry);
      }

      // A refresh may have finished after the last sample: catch up with it before counting.
      String latest =
          Poll.until(
                  vertx,
                  () -> brokerToken(broker).map(r -> r.json().getString("access_token")),
                  t -> {
                    List<String> issued = proxy.issuedTokens();
                    return !issued.isEmpty() && t.equals(issued.get(issued.size() - 1));
                  },
                  POLL_INTERVAL,
                  Duration.ofSeconds(10))
              .await(STEP_SECONDS, SECONDS);
      if (!served.contains(latest)) {
        served.add(latest);
      }
      assertEquals(
          jtis(proxy.issuedTokens()),
          jtis(served),
          "each IdP call yields exactly one served token, in order (by jti)");
      assertEquals(served.size(), proxy.calls().size(), "IdP calls: " + proxy.calls());
      System.out.printf(
          "refresh window %d s: %d answers, %d tokens served, %d IdP calls%n",
          window.toSeconds(), samples.size(), served.size(), proxy.calls().size());
    } finally {
      proxy.close().await(STEP_SECONDS, SECONDS);
    }
  }

  /** (c): the IdP's refusal reaches the caller as 502 + idp_error, and readiness reports it. */
  @Test
  void wrongClientSecretIsReportedAsIdpError() throws Exception {
    String wrongSecret = "wrong-" + KeycloakServer.randomSecret();
    try (ChildJvm broker =
        startBroker(
            new BrokerSetup(ClientAuthMethod.CLIENT_SECRET_BASIC, null, true), wrongSecret)) {
      Reply health =
          Poll.until(
                  vertx,
                  () -> get(broker.baseUri() + "/health/ready"),
                  r -> r.body().contains("unauthorized_client"),
                  POLL_INTERVAL,
                  Duration.ofSeconds(STEP_SECONDS))
              .await(STEP_SECONDS * 2, SECONDS);
      assertEquals(503, health.status(), health.body());

      Reply token = brokerToken(broker).await(STEP_SECONDS, SECONDS);
      assertEquals(502, token.status(), token.body());
      assertNotNull(token.json().getString("error"), token.body());
      assertEquals("unauthorized_client", token.json().getString("idp_error"), token.body());

      assertFalse(health.body().contains(wrongSecret), "secret in /health/ready");
      assertFalse(token.body().contains(wrongSecret), "secret in /v1/token");
      assertFalse(Files.readString(broker.logFile()).contains(wrongSecret), "secret in the log");
    }
  }

  /**
   * (d): after a signing-key rotation, students-rs accepts a token signed with the new key without
   * a restart, and refuses a still-unexpired token signed with the key that left the JWKS.
   */
  @Test
  void signingKeyRotationIsFollowedByStudentsRs() throws Exception {
    // students-rs refetches the JWKS for an unknown kid at most once per cooldown since its last
    // fetch (default 30 s, longer than a token lives here); shorten it to keep the old token valid
    // until the end. No prefetch: the broker fetches its first token on demand, after the rotation.
    try (ChildJvm students = startStudents("jwks: {refetchCooldownSeconds: 1}");
        ChildJvm broker =
            startBroker(
                new BrokerSetup(ClientAuthMethod.CLIENT_SECRET_POST, null, false),
                keycloak.brokerClientSecret())) {
      // Taken straight from Keycloak at the last moment so it outlives the steps below.
      String oldToken =
          ClientAuthMethod.CLIENT_SECRET_BASIC
              .requestToken(
                  client,
                  keycloak.tokenEndpoint(),
                  BROKER_CLIENT_ID,
                  keycloak.brokerClientSecret(),
                  STUDENTS_SCOPE)
              .expecting(HttpResponseExpectation.SC_OK)
              .await(STEP_SECONDS, SECONDS)
              .bodyAsJsonObject()
              .getString("access_token");
      Reply before = listStudents(students, oldToken).await(STEP_SECONDS, SECONDS);
      assertEquals(200, before.status(), before.body());

      KeycloakServer.KeyRotation rotation = keycloak.rotateSigningKey();
      assertTrue(rotation.oldKids().contains(Jwt.decode(oldToken).kid()), rotation.toString());

      Reply fresh = brokerToken(broker).await(STEP_SECONDS, SECONDS);
      assertEquals(200, fresh.status(), fresh.body());
      String newToken = fresh.json().getString("access_token");
      assertEquals(rotation.newKid(), Jwt.decode(newToken).kid());
      Reply accepted =
          Poll.until(
                  vertx,
                  () -> listStudents(students, newToken),
                  r -> r.status() == 200,
                  POLL_INTERVAL,
                  Duration.ofSeconds(5))
              .await(STEP_SECONDS, SECONDS);
      assertEquals(STUDENTS, new JsonArray(accepted.body()));

      Instant oldExpiry = Jwt.decode(oldToken).expiresAt();
      assertTrue(
          Instant.now().plusSeconds(1).isBefore(oldExpiry),
          "the old token expired before it could be checked (exp " + oldExpiry + ")");
      Reply refused = listStudents(students, oldToken).await(STEP_SECONDS, SECONDS);
      assertEquals(401, refused.status(), "old-key token after rotation: " + refused.body());
    }
  }

  private ChildJvm startBroker(BrokerSetup setup, String clientSecret) throws IOException {
    List<String> yaml = new ArrayList<>();
    yaml.add("http: {host: 127.0.0.1, port: 0}");
    yaml.add("idp:");
    yaml.add("  issuer: \"" + keycloak.issuer() + "\"");
    if (setup.tokenEndpoint() != null) {
      yaml.add("  tokenEndpoint: \"" + setup.tokenEndpoint() + "\"");
    }
    yaml.add("  clientId: \"" + BROKER_CLIENT_ID + "\"");
    yaml.add("  clientSecret: \"${TOKEN_BROKER_CLIENT_SECRET}\"");
    yaml.add("  authMethod: " + setup.authMethod().configValue());
    yaml.add("  audienceParameter: none");
    yaml.add("eventBus: {tcpBridge: {enabled: false}}");
    yaml.add("tokens:");
    yaml.add("  - audience: \"" + STUDENTS_AUDIENCE + "\"");
    yaml.add("    scopes: [\"" + STUDENTS_SCOPE + "\"]");
    yaml.add("    prefetch: " + setup.prefetch());
    Path config = Files.write(testDir.resolve("broker.yaml"), yaml);
    return ChildJvm.start(
        "broker",
        BROKER_JAR,
        config,
        Map.of("TOKEN_BROKER_CLIENT_SECRET", clientSecret),
        testDir.resolve("broker.log"));
  }

  private ChildJvm startStudents(String... extraYaml) throws Exception {
    List<String> yaml = new ArrayList<>();
    yaml.add("http: {host: 127.0.0.1, port: 0}");
    yaml.add("issuer: \"" + keycloak.issuer() + "\"");
    yaml.add("audience: \"" + STUDENTS_AUDIENCE + "\"");
    yaml.addAll(List.of(extraYaml));
    Path config = Files.write(testDir.resolve("students-rs.yaml"), yaml);
    ChildJvm students =
        ChildJvm.start(
            "students-rs", STUDENTS_JAR, config, Map.of(), testDir.resolve("students-rs.log"));
    try {
      awaitReady(students); // 503 until it holds the realm's signing keys
    } catch (Exception | Error e) {
      students.close();
      throw e;
    }
    return students;
  }

  /** Polls {@code GET /health/ready} until it answers 200. */
  private void awaitReady(ChildJvm server) throws Exception {
    Poll.until(
            vertx,
            () -> get(server.baseUri() + "/health/ready"),
            r -> r.status() == 200,
            POLL_INTERVAL,
            Duration.ofSeconds(STEP_SECONDS))
        .await(STEP_SECONDS * 2, SECONDS);
  }

  private Future<Reply> brokerToken(ChildJvm broker) {
    String uri =
        broker.baseUri()
            + "/v1/token?audience="
            + URLEncoder.encode(STUDENTS_AUDIENCE, StandardCharsets.UTF_8)
            + "&scope="
            + URLEncoder.encode(STUDENTS_SCOPE, StandardCharsets.UTF_8);
    return send(client.getAbs(uri).putHeader("Token-Broker-Request", "true"));
  }

  private Future<Reply> listStudents(ChildJvm students, String accessToken) {
    HttpRequest<?> request = client.getAbs(students.baseUri() + "/students");
    if (accessToken != null) {
      request.putHeader("Authorization", "Bearer " + accessToken);
    }
    return send(request);
  }

  private Future<Reply> get(String uri) {
    return send(client.getAbs(uri));
  }

  private static Future<Reply> send(HttpRequest<?> request) {
    return request
        .timeout(Duration.ofSeconds(10).toMillis())
        .send()
        .map(r -> new Reply(r.statusCode(), r.bodyAsString() == null ? "" : r.bodyAsString()));
  }

  /** Asks the broker for the students token every {@link #POLL_INTERVAL} during {@code window}. */
  private Future<List<Sample>> sample(ChildJvm broker, Duration window) {
    Promise<List<Sample>> done = Promise.promise();
    sampleUntil(broker, System.nanoTime() + window.toNanos(), new ArrayList<>(), done);
    return done.future();
  }

  private void sampleUntil(
      ChildJvm broker, long endNanos, List<Sample> samples, Promise<List<Sample>> done) {
    brokerToken(broker)
        .onFailure(done::fail)
        .onSuccess(
            reply -> {
              samples.add(new Sample(Instant.now(), reply));
              if (System.nanoTime() - endNanos >= 0) {
                done.complete(samples);
              } else {
                vertx.setTimer(
                    POLL_INTERVAL.toMillis(), id -> sampleUntil(broker, endNanos, samples, done));
              }
            });
  }

  private static List<String> jtis(List<String> tokens) {
    return tokens.stream().map(t -> Jwt.decode(t).claims().getString("jti")).toList();
  }

  /** The same token with one signature character changed: well-formed, but not Keycloak's. */
  private static String tamperSignature(String jwt) {
    int i = jwt.lastIndexOf('.') + 10;
    char c = jwt.charAt(i);
    return jwt.substring(0, i) + (c == 'A' ? 'B' : 'A') + jwt.substring(i + 1);
  }

  private static Path pathProperty(String name) {
    String value = System.getProperty(name);
    return value == null ? Path.of("(system property " + name + " not set)") : Path.of(value);
  }
}
