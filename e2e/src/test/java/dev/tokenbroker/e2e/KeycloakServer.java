package dev.tokenbroker.e2e;

import dev.tokenbroker.testing.ChildProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Keycloak ({@code kc.sh start-dev}, in-memory database) with the {@code demo} and {@code
 * clientauth} realms imported, on free loopback ports: plain http for {@code demo} and the admin
 * API, and https (certificate of a {@link TestPki test CA} generated for the run, client
 * certificates requested and checked against that CA) for {@code clientauth}, whose frontend URL is
 * set to the https address once Keycloak is up (see {@link ClientAuthRealm}). One instance serves
 * the whole test run (see {@link KeycloakExtension}); {@link #close()} stops its whole process
 * tree.
 *
 * <p>The admin methods block on the calling thread. Call them from the test thread, never from a
 * Vert.x event loop.
 */
final class KeycloakServer implements ExtensionContext.Store.CloseableResource {

  static final String REALM = "demo";
  static final String BROKER_CLIENT_ID = "token-broker";
  static final String STUDENTS_AUDIENCE = "https://students-api";
  static final String STUDENTS_SCOPE = "read:students";

  /** The realm's {@code accessTokenLifespan}. */
  static final Duration TOKEN_LIFESPAN = Duration.ofSeconds(15);

  // 20-50 s on an idle 2-core machine; several minutes when it is shared with other builds.
  private static final Duration READY_DEADLINE =
      Duration.ofSeconds(Long.getLong("e2e.keycloak.readySeconds", 420));
  private static final Duration POLL_INTERVAL = Duration.ofMillis(250);
  private static final Duration STOP_GRACE = Duration.ofSeconds(20);
  private static final String ADMIN_USER = "admin";
  private static final String KEY_PROVIDER_TYPE = "org.keycloak.keys.KeyProvider";

  private final ChildProcess process;
  private final URI baseUri;
  private final URI httpsBaseUri;
  private final TestPki pki;
  private final String adminPassword;
  private final String brokerClientSecret;
  private final Path logFile;
  private final HttpClient http;
  private JsonObject discovery;
  private Duration startupTime;

  /** What {@link #rotateSigningKey()} replaced: the RS256 kids it removed and the one it added. */
  record KeyRotation(Set<String> oldKids, String newKid) {}

  private KeycloakServer(
      ChildProcess process,
      URI baseUri,
      URI httpsBaseUri,
      TestPki pki,
      String adminPassword,
      String brokerClientSecret,
      Path logFile,
      HttpClient http) {
    this.process = process;
    this.baseUri = baseUri;
    this.httpsBaseUri = httpsBaseUri;
    this.pki = pki;
    this.adminPassword = adminPassword;
    this.brokerClientSecret = brokerClientSecret;
    this.logFile = logFile;
    this.http = http;
  }

  /**
   * Starts Keycloak from the distribution at {@code home}, imports {@code realmFiles}, and returns
   * once the demo realm's discovery document answers and the {@code clientauth} realm has its https
   * frontend URL. Keycloak's output goes to {@code logFile}; the test CA is generated into {@code
   * tlsDir}.
   */
  static KeycloakServer start(Path home, List<Path> realmFiles, Path logFile, Path tlsDir) {
    Path kcSh = home.resolve("bin/kc.sh");
    if (!Files.isRegularFile(kcSh)) {
      throw new IllegalStateException(
          kcSh + " not found: run `mvn -B -pl e2e -am process-test-resources` to unpack Keycloak");
    }
    for (Path realmFile : realmFiles) {
      if (!Files.isRegularFile(realmFile)) {
        throw new IllegalStateException("realm file not found: " + realmFile);
      }
    }
    try {
      Path importDir = Files.createDirectories(home.resolve("data/import"));
      for (Path realmFile : realmFiles) {
        Files.copy(
            realmFile,
            importDir.resolve(realmFile.getFileName()),
            StandardCopyOption.REPLACE_EXISTING);
      }
      Files.createDirectories(logFile.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    TestPki pki = TestPki.create(tlsDir);

    int httpPort = freePort();
    int httpsPort = freePort();
    int managementPort = freePort();
    URI baseUri = URI.create("http://127.0.0.1:" + httpPort);
    URI httpsBaseUri = URI.create("https://127.0.0.1:" + httpsPort);
    String adminPassword = randomSecret();
    String clientSecret = randomSecret();

    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    long started = System.nanoTime();
    ChildProcess process =
        ChildProcess.command(
                "keycloak",
                List.of(
                    "/bin/bash",
                    kcSh.toString(),
                    "start-dev",
                    "--http-host=127.0.0.1",
                    "--http-port=" + httpPort,
                    "--hostname=" + baseUri,
                    "--http-management-port=" + managementPort,
                    "--db=dev-mem",
                    "--import-realm",
                    // https for the clientauth realm; Keycloak checks client certificates itself.
                    "--https-port=" + httpsPort,
                    "--https-certificate-file=" + pki.server().certFile(),
                    "--https-certificate-key-file=" + pki.server().keyFile(),
                    "--https-client-auth=request",
                    "--https-trust-store-file=" + pki.trustStore(),
                    "--https-trust-store-password=" + pki.trustStorePassword(),
                    // A client's JWKS (jwks.url) is fetched again for an unknown kid at most
                    // once per this many seconds (default 10): a rotated key is found at once.
                    "--spi-public-key-storage-infinispan-min-time-between-requests=1"))
            .directory(home)
            .log(logFile)
            // Whatever KC_* the developer has exported must not reconfigure the test server.
            .withoutEnv(name -> name.startsWith("KC_") || name.startsWith("KEYCLOAK_"))
            .env(
                Map.of(
                    "JAVA_HOME",
                    System.getProperty("java.home"),
                    "JAVA_OPTS_KC_HEAP",
                    "-Xms64m -Xmx768m",
                    "KC_BOOTSTRAP_ADMIN_USERNAME",
                    ADMIN_USER,
                    "KC_BOOTSTRAP_ADMIN_PASSWORD",
                    adminPassword,
                    // realm-demo.json reads the client secret from this variable at import time.
                    "TOKEN_BROKER_CLIENT_SECRET",
                    clientSecret))
            .closeGrace(STOP_GRACE)
            .start();
    KeycloakServer server =
        new KeycloakServer(
            process, baseUri, httpsBaseUri, pki, adminPassword, clientSecret, logFile, http);
    try {
      server.awaitReady(started);
      ClientAuthRealm.configure(server);
    } catch (RuntimeException | Error e) {
      server.close();
      throw e;
    }
    return server;
  }

  private void awaitReady(long startedNanos) {
    URI discoveryUri = URI.create(issuer() + "/.well-known/openid-configuration");
    long deadline = startedNanos + READY_DEADLINE.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "Keycloak exited with " + process.exitValue() + " before it was ready; " + logTail());
      }
      HttpResponse<String> response = trySend(HttpRequest.newBuilder(discoveryUri).GET());
      if (response != null && response.statusCode() == 200) {
        discovery = new JsonObject(response.body());
        startupTime = Duration.ofNanos(System.nanoTime() - startedNanos);
        System.out.printf(
            "Keycloak ready in %d ms at %s (log: %s)%n", startupTime.toMillis(), issuer(), logFile);
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "Keycloak not ready after " + READY_DEADLINE.toSeconds() + " s; " + logTail());
      }
      try {
        Thread.sleep(POLL_INTERVAL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for Keycloak", e);
      }
    }
  }

  /** {@code http://127.0.0.1:PORT/realms/demo}, fixed by {@code --hostname}. */
  String issuer() {
    return baseUri + "/realms/" + REALM;
  }

  /** {@code http://127.0.0.1:PORT}: the demo realm and the admin API. */
  URI baseUri() {
    return baseUri;
  }

  /** {@code https://127.0.0.1:PORT}, certificate from {@link #pki()}: the clientauth realm. */
  URI httpsBaseUri() {
    return httpsBaseUri;
  }

  /** The run's test CA: Keycloak's server certificate, and client certificates on demand. */
  TestPki pki() {
    return pki;
  }

  /** The {@code clientauth} realm (private_key_jwt, client_secret_jwt, X.509 clients). */
  ClientAuthRealm clientAuth() {
    return new ClientAuthRealm(this);
  }

  /** The realm's discovery document as fetched when Keycloak became ready. */
  JsonObject discovery() {
    return discovery.copy();
  }

  String tokenEndpoint() {
    return discovery.getString("token_endpoint");
  }

  String jwksUri() {
    return discovery.getString("jwks_uri");
  }

  /** The secret of {@value #BROKER_CLIENT_ID}, generated for this run and set at realm import. */
  String brokerClientSecret() {
    return brokerClientSecret;
  }

  /** From process start until the realm's discovery document first answered. */
  Duration startupTime() {
    return startupTime;
  }

  Path logFile() {
    return logFile;
  }

  /** A fresh master-realm access token for the bootstrap admin ({@code admin-cli}, password). */
  String adminToken() {
    String form =
        form(
            Map.of(
                "grant_type",
                "password",
                "client_id",
                "admin-cli",
                "username",
                ADMIN_USER,
                "password",
                adminPassword));
    HttpResponse<String> response =
        send(
            HttpRequest.newBuilder(baseUri.resolve("/realms/master/protocol/openid-connect/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)),
            200);
    return new JsonObject(response.body()).getString("access_token");
  }

  /** Replaces the secret of the confidential client {@code clientId} in the demo realm. */
  void setClientSecret(String clientId, String secret) {
    updateClient(REALM, clientId, client -> client.put("secret", secret));
  }

  /**
   * Reads the representation of {@code clientId} in {@code realm}, lets {@code change} modify it,
   * and writes it back ({@code PUT /admin/realms/REALM/clients/ID}).
   */
  void updateClient(String realm, String clientId, Consumer<JsonObject> change) {
    String token = adminToken();
    String query = "clients?clientId=" + URLEncoder.encode(clientId, StandardCharsets.UTF_8);
    JsonArray found = new JsonArray(send(admin(token, realm, query).GET(), 200).body());
    if (found.size() != 1) {
      throw new IllegalStateException("client " + clientId + " not found in realm " + realm);
    }
    String id = found.getJsonObject(0).getString("id");
    JsonObject client =
        new JsonObject(send(admin(token, realm, "clients/" + id).GET(), 200).body());
    change.accept(client);
    send(
        admin(token, realm, "clients/" + id)
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(client.encode())),
        204);
  }

  /** Like {@link #updateClient} for the realm itself ({@code PUT /admin/realms/REALM}). */
  void updateRealm(String realm, Consumer<JsonObject> change) {
    String token = adminToken();
    HttpRequest.Builder get =
        HttpRequest.newBuilder(baseUri.resolve("/admin/realms/" + realm))
            .header("Authorization", "Bearer " + token);
    JsonObject representation = new JsonObject(send(get.GET(), 200).body());
    change.accept(representation);
    send(
        HttpRequest.newBuilder(baseUri.resolve("/admin/realms/" + realm))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(representation.encode())),
        204);
  }

  /**
   * {@code GET} of an unauthenticated URL of this Keycloak over http, e.g. a discovery document.
   */
  JsonObject getJson(URI uri) {
    return new JsonObject(send(HttpRequest.newBuilder(uri).GET(), 200).body());
  }

  /**
   * Rotates the realm's RS256 signing key: adds an {@code rsa-generated} key provider with a higher
   * priority than every existing one, then deletes the providers of the old RS256 keys, so the old
   * kids disappear from the JWKS and new tokens are signed with the new key.
   */
  KeyRotation rotateSigningKey() {
    String token = adminToken();
    JsonArray before = keys(token);
    List<JsonObject> oldKeys =
        before.stream()
            .map(JsonObject.class::cast)
            .filter(k -> "RS256".equals(k.getString("algorithm")))
            .filter(k -> "SIG".equalsIgnoreCase(k.getString("use")))
            .toList();
    long topPriority =
        before.stream()
            .map(JsonObject.class::cast)
            .mapToLong(k -> k.getLong("providerPriority", 0L))
            .max()
            .orElse(0L);

    JsonObject component =
        new JsonObject()
            .put("name", "rsa-rotated-" + System.currentTimeMillis())
            .put("providerId", "rsa-generated")
            .put("providerType", KEY_PROVIDER_TYPE)
            .put(
                "config",
                new JsonObject()
                    .put("priority", new JsonArray().add(String.valueOf(topPriority + 100)))
                    .put("enabled", new JsonArray().add("true"))
                    .put("active", new JsonArray().add("true"))
                    .put("algorithm", new JsonArray().add("RS256"))
                    .put("keySize", new JsonArray().add("2048")));
    HttpResponse<String> created =
        send(
            admin(token, "components")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(component.encode())),
            201);
    String location =
        created
            .headers()
            .firstValue("Location")
            .orElseThrow(() -> new IllegalStateException("no Location for the new key provider"));
    String newComponentId = location.substring(location.lastIndexOf('/') + 1);
    String newKid =
        keys(token).stream()
            .map(JsonObject.class::cast)
            .filter(k -> newComponentId.equals(k.getString("providerId")))
            .map(k -> k.getString("kid"))
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("new key provider has no key"));

    for (String componentId :
        oldKeys.stream().map(k -> k.getString("providerId")).collect(Collectors.toSet())) {
      send(admin(token, "components/" + componentId).DELETE(), 204);
    }
    return new KeyRotation(
        oldKeys.stream().map(k -> k.getString("kid")).collect(Collectors.toUnmodifiableSet()),
        newKid);
  }

  private JsonArray keys(String adminToken) {
    return new JsonObject(send(admin(adminToken, "keys").GET(), 200).body()).getJsonArray("keys");
  }

  private HttpRequest.Builder admin(String adminToken, String path) {
    return admin(adminToken, REALM, path);
  }

  private HttpRequest.Builder admin(String adminToken, String realm, String path) {
    return HttpRequest.newBuilder(baseUri.resolve("/admin/realms/" + realm + "/" + path))
        .header("Authorization", "Bearer " + adminToken);
  }

  private HttpResponse<String> send(HttpRequest.Builder request, int expectedStatus) {
    HttpRequest built = request.timeout(Duration.ofSeconds(30)).build();
    HttpResponse<String> response;
    try {
      response = http.send(built, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(built.method() + " " + built.uri(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + built.method() + " " + built.uri(), e);
    }
    if (response.statusCode() != expectedStatus) {
      throw new IllegalStateException(
          built.method()
              + " "
              + built.uri()
              + " answered "
              + response.statusCode()
              + " (expected "
              + expectedStatus
              + "): "
              + response.body());
    }
    return response;
  }

  /** The response, or {@code null} while nothing listens yet. */
  private HttpResponse<String> trySend(HttpRequest.Builder request) {
    try {
      return http.send(
          request.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException notUpYet) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for Keycloak", e);
    }
  }

  private String logTail() {
    return "last lines of " + logFile + ":\n" + process.tail(30);
  }

  /** Stops Keycloak and every process it started; safe to call twice. */
  @Override
  public void close() {
    process.close();
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String randomSecret() {
    byte[] bytes = new byte[24];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static String form(Map<String, String> fields) {
    return fields.entrySet().stream()
        .map(
            e ->
                URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)
                    + "="
                    + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }
}
