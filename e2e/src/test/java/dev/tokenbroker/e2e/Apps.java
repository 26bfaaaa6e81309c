package dev.tokenbroker.e2e;

import static dev.tokenbroker.e2e.KeycloakServer.BROKER_CLIENT_ID;
import static dev.tokenbroker.e2e.KeycloakServer.STUDENTS_AUDIENCE;
import static dev.tokenbroker.e2e.KeycloakServer.STUDENTS_SCOPE;
import static java.util.concurrent.TimeUnit.SECONDS;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.WebClient;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The broker and students-rs jars as the observability and dashboard tests run them: a YAML config
 * per process in the test's directory, free ports, the suite's Keycloak as IdP (the broker
 * authenticates with {@code client_secret_basic} and prefetches the students token), and small HTTP
 * helpers. Blocking methods wait on the calling (JUnit) thread, never on an event loop.
 */
final class Apps {

  static final Path BROKER_JAR = pathProperty("broker.jar");
  static final Path STUDENTS_JAR = pathProperty("students.jar");
  static final Duration STEP = Duration.ofSeconds(30);
  static final Duration POLL_INTERVAL = Duration.ofMillis(200);

  /** An HTTP answer reduced to what assertions and failure messages need. */
  record Reply(int status, String body) {
    JsonObject json() {
      return new JsonObject(body);
    }
  }

  private final Vertx vertx;
  private final WebClient client;
  private final KeycloakServer keycloak;
  private final Path dir;

  Apps(Vertx vertx, KeycloakServer keycloak, Path dir) {
    this.vertx = vertx;
    this.client = WebClient.create(vertx);
    this.keycloak = keycloak;
    this.dir = dir;
  }

  /** The jars the test runs: a missing one skips it, or fails it with {@code CI=true}. */
  static void requireJars(boolean students) {
    Prerequisites.jar("broker", BROKER_JAR);
    if (students) {
      Prerequisites.jar("students-rs", STUDENTS_JAR);
    }
  }

  /** Starts the broker and waits until {@code /health/ready} answers 200 (it holds a token). */
  ChildJvm startBroker() throws Exception {
    List<String> yaml = new ArrayList<>();
    yaml.add("http: {host: 127.0.0.1, port: 0}");
    yaml.add("idp:");
    yaml.add("  issuer: \"" + keycloak.issuer() + "\"");
    yaml.add("  clientId: \"" + BROKER_CLIENT_ID + "\"");
    yaml.add("  clientSecret: \"${TOKEN_BROKER_CLIENT_SECRET}\"");
    yaml.add("  authMethod: " + ClientAuthMethod.CLIENT_SECRET_BASIC.configValue());
    yaml.add("  audienceParameter: none");
    yaml.add("eventBus: {tcpBridge: {enabled: false}}");
    yaml.add("tokens:");
    yaml.add("  - audience: \"" + STUDENTS_AUDIENCE + "\"");
    yaml.add("    scopes: [\"" + STUDENTS_SCOPE + "\"]");
    yaml.add("    prefetch: true");
    Path config = Files.write(dir.resolve("broker.yaml"), yaml);
    ChildJvm broker =
        ChildJvm.start(
            "broker",
            BROKER_JAR,
            config,
            Map.of("TOKEN_BROKER_CLIENT_SECRET", keycloak.brokerClientSecret()),
            dir.resolve("broker.log"));
    return awaitReadyOrClose(broker);
  }

  /** Starts students-rs and waits until it is ready (it holds the realm's signing keys). */
  ChildJvm startStudents() throws Exception {
    List<String> yaml = new ArrayList<>();
    yaml.add("http: {host: 127.0.0.1, port: 0}");
    yaml.add("issuer: \"" + keycloak.issuer() + "\"");
    yaml.add("audience: \"" + STUDENTS_AUDIENCE + "\"");
    Path config = Files.write(dir.resolve("students-rs.yaml"), yaml);
    ChildJvm students =
        ChildJvm.start(
            "students-rs", STUDENTS_JAR, config, Map.of(), dir.resolve("students-rs.log"));
    return awaitReadyOrClose(students);
  }

  private ChildJvm awaitReadyOrClose(ChildJvm server) throws Exception {
    try {
      Poll.until(
              vertx,
              () -> get(server.baseUri() + "/health/ready"),
              r -> r.status() == 200,
              POLL_INTERVAL,
              STEP)
          .await(STEP.toSeconds() * 2, SECONDS);
      return server;
    } catch (Exception | Error e) {
      server.close();
      throw e;
    }
  }

  /** {@code GET /v1/token} for the students audience and scope. */
  Future<Reply> brokerToken(ChildJvm broker) {
    String uri =
        broker.baseUri()
            + "/v1/token?audience="
            + URLEncoder.encode(STUDENTS_AUDIENCE, StandardCharsets.UTF_8)
            + "&scope="
            + URLEncoder.encode(STUDENTS_SCOPE, StandardCharsets.UTF_8);
    return send(client.getAbs(uri).putHeader("Token-Broker-Request", "true"));
  }

  /** The broker's current access token for the students API (asserts a 200). */
  String accessToken(ChildJvm broker) throws Exception {
    Reply reply = brokerToken(broker).await(STEP.toSeconds(), SECONDS);
    if (reply.status() != 200) {
      throw new AssertionError("GET /v1/token answered " + reply.status() + ": " + reply.body());
    }
    return reply.json().getString("access_token");
  }

  /** {@code GET /students}, with {@code Authorization: Bearer accessToken} unless it is null. */
  Future<Reply> listStudents(ChildJvm students, String accessToken) {
    HttpRequest<?> request = client.getAbs(students.baseUri() + "/students");
    if (accessToken != null) {
      request.putHeader("Authorization", "Bearer " + accessToken);
    }
    return send(request);
  }

  Future<Reply> get(String uri) {
    return send(client.getAbs(uri));
  }

  private static Future<Reply> send(HttpRequest<?> request) {
    return request
        .timeout(Duration.ofSeconds(10).toMillis())
        .send()
        .map(r -> new Reply(r.statusCode(), r.bodyAsString() == null ? "" : r.bodyAsString()));
  }

  private static Path pathProperty(String name) {
    String value = System.getProperty(name);
    return value == null ? Path.of("(system property " + name + " not set)") : Path.of(value);
  }
}
