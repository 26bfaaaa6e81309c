package dev.tokenbroker.broker.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.BrokerVerticle;
import dev.tokenbroker.broker.config.BrokerOptions;
import dev.tokenbroker.broker.testing.RunningBroker;
import dev.tokenbroker.broker.testing.RunningBroker.Answer;
import dev.tokenbroker.broker.testing.TestIdp;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidecar layout: management (health, metrics, dashboard) on 127.0.0.2, the token API on
 * 127.0.0.1 and on a Unix socket; each listener 404s what belongs to the other.
 */
@ExtendWith(VertxExtension.class)
class SidecarListenersTest {

  private static final String TOKEN_PATH = "/v1/token?audience=" + TestIdp.AUDIENCE;

  @TempDir Path dir;
  private TestIdp idp;
  private Path socket;
  private final java.net.http.HttpClient jdk =
      java.net.http.HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(10))
          .version(java.net.http.HttpClient.Version.HTTP_1_1)
          .build();

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    idp = TestIdp.start(vertx);
    socket = dir.resolve("api.sock");
  }

  @AfterEach
  void tearDown() throws Exception {
    idp.close();
  }

  private JsonObject config() {
    JsonObject c = idp.brokerConfig();
    c.getJsonObject("http").put("unixSocket", socket.toString());
    c.put("management", new JsonObject().put("host", "127.0.0.2").put("port", 0));
    return c;
  }

  private HttpResponse<String> get(String host, int port, String path, String... headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path))
            .timeout(Duration.ofSeconds(20));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return jdk.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void managementAndTokenListenersServeTheirOwnPathsOnly(Vertx vertx) throws Exception {
    RunningBroker broker = RunningBroker.deploy(vertx, config(), Clock.systemUTC(), true);
    int mgmt = broker.verticle().actualManagementPort();
    int api = broker.port();
    assertTrue(mgmt > 0 && mgmt != api, "a free port was picked for management: " + mgmt);

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    int ready;
    do {
      ready = get("127.0.0.2", mgmt, "/health/ready").statusCode();
    } while (ready != 200 && System.nanoTime() < deadline);
    assertEquals(200, ready, "ready on the management listener");
    assertEquals(200, get("127.0.0.2", mgmt, "/health/live").statusCode());
    HttpResponse<String> metrics = get("127.0.0.2", mgmt, "/metrics");
    assertEquals(200, metrics.statusCode());
    assertTrue(metrics.body().contains("token_broker_"), "broker meters are scraped");
    assertEquals(200, get("127.0.0.2", mgmt, "/dashboard").statusCode());
    String rebound =
        curl(
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-H",
            "Host: evil.example",
            "http://127.0.0.2:" + mgmt + "/dashboard");
    assertEquals(
        "403",
        rebound.trim(),
        "a loopback management listener keeps the dashboard's DNS-rebinding check");

    String[] tokenHeader = {"Token-Broker-Request", "true"};
    assertEquals(404, get("127.0.0.2", mgmt, TOKEN_PATH, tokenHeader).statusCode());
    HttpRequest invalidate =
        HttpRequest.newBuilder(URI.create("http://127.0.0.2:" + mgmt + "/v1/token/invalidate"))
            .header("Token-Broker-Request", "true")
            .POST(HttpRequest.BodyPublishers.ofString("{}"))
            .build();
    assertEquals(404, jdk.send(invalidate, HttpResponse.BodyHandlers.ofString()).statusCode());

    assertEquals(200, get("127.0.0.1", api, TOKEN_PATH, tokenHeader).statusCode());
    for (String path :
        new String[] {
          "/health/live", "/health/ready", "/metrics", "/dashboard", "/dashboard/events"
        }) {
      assertEquals(404, get("127.0.0.1", api, path).statusCode(), path + " on the token listener");
    }
    broker.undeploy();
  }

  @Test
  void aTokenOverTheUnixSocketWithCurlAndAVertxClient(Vertx vertx) throws Exception {
    assertFalse(vertx.isNativeTransportEnabled(), "JDK domain sockets, no native transport needed");
    RunningBroker broker = RunningBroker.deploy(vertx, config(), Clock.systemUTC(), true);
    assertEquals(
        "rw-rw----",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)),
        "default mode 0660");

    HttpClient client = vertx.createHttpClient();
    RequestOptions ro =
        new RequestOptions()
            .setServer(SocketAddress.domainSocketAddress(socket.toString()))
            .setHost("localhost")
            .setPort(80)
            .setMethod(HttpMethod.GET)
            .setURI(TOKEN_PATH);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    Answer a;
    do {
      a = send(client, new RequestOptions(ro).putHeader("Token-Broker-Request", "true"));
    } while (a.status() != 200 && System.nanoTime() < deadline);
    assertEquals(200, a.status(), a.body().toString());
    assertTrue(a.json().getString("access_token").length() > 20);

    assertEquals(403, send(client, ro).status(), "the same header rules apply over the socket");
    assertEquals(
        403,
        send(
                client,
                new RequestOptions(ro)
                    .putHeader("Token-Broker-Request", "true")
                    .putHeader("X-Forwarded-For", "10.0.0.1"))
            .status());
    assertEquals(
        404,
        send(client, new RequestOptions(ro).setURI("/metrics")).status(),
        "the socket serves the token API only");
    client.close().await();

    String curl =
        curl(
            "-sS",
            "--unix-socket",
            socket.toString(),
            "-H",
            "Token-Broker-Request: true",
            "-w",
            "\n%{http_code}",
            "http://localhost" + TOKEN_PATH);
    assertTrue(curl.endsWith("\n200"), curl);
    assertTrue(curl.contains("\"access_token\""), curl);

    broker.undeploy();
    assertFalse(Files.exists(socket), "the socket file is removed at stop");
  }

  @Test
  void aStaleSocketFileIsReplacedAndAnythingElseIsRefused(Vertx vertx) throws Exception {
    // a socket nobody listens on, as a killed broker leaves it
    try (ServerSocketChannel stale = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      stale.bind(UnixDomainSocketAddress.of(socket));
    }
    assertTrue(Files.exists(socket));
    RunningBroker broker = RunningBroker.deploy(vertx, config(), Clock.systemUTC(), true);
    assertTrue(UnixSocketFile.isSocket(socket));
    assertEquals(200, viaSocket(socket), "the new listener answers on the path");

    // a second broker on the same path while the first listens: refused, first one untouched
    JsonObject second = config();
    second.getJsonObject("management").put("port", 0);
    second.getJsonObject("http").put("port", 0);
    Throwable inUse =
        assertThrows(
            Throwable.class,
            () ->
                vertx
                    .deployVerticle(
                        new BrokerVerticle(new BrokerOptions(second), Clock.systemUTC(), true))
                    .await());
    assertTrue(inUse.getMessage().contains("in use"), inUse.getMessage());
    assertEquals(200, viaSocket(socket));
    broker.undeploy();

    Path regular = dir.resolve("not-a-socket");
    Files.writeString(regular, "keep me");
    JsonObject onAFile = config();
    onAFile.getJsonObject("http").put("unixSocket", regular.toString());
    Throwable refused =
        assertThrows(
            Throwable.class,
            () ->
                vertx
                    .deployVerticle(
                        new BrokerVerticle(new BrokerOptions(onAFile), Clock.systemUTC(), true))
                    .await());
    assertTrue(refused.getMessage().contains("not a socket"), refused.getMessage());
    assertEquals("keep me", Files.readString(regular), "a non-socket file is never deleted");
  }

  @Test
  void tcpCanBeSwitchedOffAndTheModeConfigured(Vertx vertx) throws Exception {
    JsonObject c = config();
    c.getJsonObject("http").put("port", -1).put("unixSocketMode", "0600");
    c.remove("management");
    RunningBroker broker = RunningBroker.deploy(vertx, c, Clock.systemUTC(), true);
    assertEquals(-1, broker.port(), "no TCP listener");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
    // without a management block the socket serves health too
    String ready = curl("-sS", "--unix-socket", socket.toString(), "http://localhost/health/live");
    assertTrue(ready.contains("UP"), ready);
    broker.undeploy();
  }

  private static Answer send(HttpClient client, RequestOptions ro) {
    return client
        .request(ro)
        .compose(
            req ->
                req.send()
                    .compose(
                        resp ->
                            resp.body().map(b -> new Answer(resp.statusCode(), resp.headers(), b))))
        .await();
  }

  /** The status of a token request over the socket, with curl. */
  private static int viaSocket(Path socket) throws Exception {
    String code =
        curl(
            "-sS",
            "--unix-socket",
            socket.toString(),
            "-H",
            "Token-Broker-Request: true",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "http://localhost" + TOKEN_PATH);
    return Integer.parseInt(code.trim());
  }

  /** Runs curl; a machine without it skips, except under CI=true where it fails. */
  static String curl(String... args) throws IOException, InterruptedException {
    Path curl = Path.of("/usr/bin/curl");
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, "curl"))) {
        curl = Path.of(d, "curl");
        break;
      }
    }
    if (!Files.isExecutable(curl)) {
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError("curl is required under CI=true");
      }
      Assumptions.abort("curl is not installed");
    }
    String[] command = new String[args.length + 1];
    command[0] = curl.toString();
    System.arraycopy(args, 0, command, 1, args.length);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(20, TimeUnit.SECONDS), "curl finished");
    return out;
  }
}
