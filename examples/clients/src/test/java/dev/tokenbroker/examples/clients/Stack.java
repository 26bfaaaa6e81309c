package dev.tokenbroker.examples.clients;

import dev.tokenbroker.students.StudentsVerticle;
import dev.tokenbroker.students.config.StudentsOptions;
import dev.tokenbroker.students.config.TokenValidatorOptions;
import dev.tokenbroker.testing.ChildProcess;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;

/**
 * What the snippets run against: a real IdP (mock-oauth2-server, in this JVM), students-rs (in this
 * JVM) and the broker as operators run it ({@code Main --config broker.yaml} in its own JVM, TCP
 * bridge on), all on 127.0.0.1 with free ports.
 */
final class Stack implements AutoCloseable {

  static final String AUDIENCE = "https://students-api";
  static final String SCOPE = "read:students";
  static final String LOCAL_CLIENT_ID = "orders";
  static final String LOCAL_CLIENT_SECRET = "local-only s3cret"; // a test value, generated nowhere
  static final String STUDENTS_JSON = "[{\"id\":1,\"name\":\"Ada\"},{\"id\":2,\"name\":\"Alan\"}]";

  private static final Pattern HTTP = Pattern.compile("HTTP API listening on http://[^:]+:(\\d+)");
  private static final Pattern BRIDGE =
      Pattern.compile("TCP event-bus bridge listening on [^:]+:(\\d+)");

  final Path work;
  final MockOAuth2Server idp;
  final Vertx vertx;
  final StudentsVerticle students;
  final ChildProcess broker;
  final int brokerPort;
  final int bridgePort;

  private Stack(
      Path work,
      MockOAuth2Server idp,
      Vertx vertx,
      StudentsVerticle students,
      ChildProcess broker,
      int brokerPort,
      int bridgePort) {
    this.work = work;
    this.idp = idp;
    this.vertx = vertx;
    this.students = students;
    this.broker = broker;
    this.brokerPort = brokerPort;
    this.bridgePort = bridgePort;
  }

  static Stack start(Path work) throws Exception {
    Files.createDirectories(work);
    MockOAuth2Server idp = new MockOAuth2Server(OAuth2Config.Companion.fromJson(idpConfig()));
    idp.start(InetAddress.getByName("127.0.0.1"), 0);
    Vertx vertx = Vertx.vertx();
    StudentsVerticle students =
        new StudentsVerticle(
            new StudentsOptions()
                .setPort(0)
                .setToken(
                    new TokenValidatorOptions().setIssuer(issuer(idp)).setAudience(AUDIENCE)));
    vertx.deployVerticle(students).toCompletionStage().toCompletableFuture().get(30, SECONDS);
    Path config = work.resolve("broker.yaml");
    Files.writeString(config, brokerConfig(idp, true).encodePrettily());
    ChildProcess broker = startBroker("broker", config);
    int port = httpPort(broker);
    int bridge = Integer.parseInt(broker.awaitLine(BRIDGE, Duration.ofSeconds(10)).group(1));
    return new Stack(work, idp, vertx, students, broker, port, bridge);
  }

  private static final TimeUnit SECONDS = TimeUnit.SECONDS;

  /** {@code Main --config FILE} in its own JVM, its output in {@code NAME.log} beside the file. */
  static ChildProcess startBroker(String name, Path config) {
    List<String> args = new ArrayList<>();
    args.addAll(List.of("-Xmx96m", "-XX:+UseSerialGC", "-cp", classpath()));
    args.addAll(List.of("dev.tokenbroker.broker.Main", "--config", config.toString()));
    return ChildProcess.java(name, args).log(config.resolveSibling(name + ".log")).start();
  }

  /** The HTTP port the broker logs once it listens. */
  static int httpPort(ChildProcess broker) {
    return Integer.parseInt(broker.awaitLine(HTTP, Duration.ofSeconds(60)).group(1));
  }

  static String classpath() {
    return System.getProperty("java.class.path");
  }

  static String issuer(MockOAuth2Server idp) {
    return idp.issuerUrl("default").toString();
  }

  /**
   * The broker's configuration: the IdP, one token entry, the TCP bridge on a free port and, with
   * {@code dropIn}, one local client for {@code POST /oauth/token}.
   */
  static JsonObject brokerConfig(MockOAuth2Server idp, boolean dropIn) {
    JsonObject c =
        new JsonObject()
            .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0))
            .put(
                "idp",
                new JsonObject()
                    .put("tokenEndpoint", idp.tokenEndpointUrl("default").toString())
                    .put("clientId", "svc-orders")
                    .put("clientSecret", "upstream-test-secret"))
            .put(
                "eventBus",
                new JsonObject()
                    .put(
                        "tcpBridge",
                        new JsonObject()
                            .put("enabled", dropIn)
                            .put("host", "127.0.0.1")
                            .put("port", 0)))
            .put(
                "tokens",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("audience", AUDIENCE)
                            .put("scopes", new JsonArray().add(SCOPE))
                            .put("prefetch", false)));
    if (dropIn) {
      c.put(
          "localClients",
          new JsonArray()
              .add(
                  new JsonObject()
                      .put("clientId", LOCAL_CLIENT_ID)
                      .put("clientSecret", LOCAL_CLIENT_SECRET)
                      .put(
                          "allow",
                          new JsonArray()
                              .add(
                                  new JsonObject()
                                      .put("audience", AUDIENCE)
                                      .put("scopes", new JsonArray().add(SCOPE))))));
    }
    return c;
  }

  /**
   * mock-oauth2-server issuing client_credentials tokens as Auth0 does: {@code aud} from the {@code
   * audience} parameter, {@code scope} as asked, {@code sub} the client id.
   */
  private static String idpConfig() {
    JsonObject claims =
        new JsonObject()
            .put("sub", "${clientId}")
            .put("aud", new JsonArray().add("${audience}"))
            .put("scope", "${scope}");
    JsonObject issuer =
        new JsonObject()
            .put("issuerId", "default")
            .put("tokenExpiry", 3600)
            .put(
                "requestMappings",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("requestParam", "grant_type")
                            .put("match", "client_credentials")
                            .put("claims", claims)));
    return new JsonObject()
        .put("interactiveLogin", false)
        .put("tokenCallbacks", new JsonArray().add(issuer))
        .encode();
  }

  String brokerUrl() {
    return "http://127.0.0.1:" + brokerPort;
  }

  String studentsUrl() {
    return "http://127.0.0.1:" + students.actualPort();
  }

  /** The environment every snippet reads. */
  Map<String, String> env() {
    return Map.of(
        "BROKER_URL",
        brokerUrl(),
        "STUDENTS_URL",
        studentsUrl(),
        "BRIDGE_HOST",
        "127.0.0.1",
        "BRIDGE_PORT",
        Integer.toString(bridgePort),
        "LOCAL_CLIENT_ID",
        LOCAL_CLIENT_ID,
        "LOCAL_CLIENT_SECRET",
        LOCAL_CLIENT_SECRET,
        "AUDIENCE",
        AUDIENCE,
        "SCOPE",
        SCOPE);
  }

  @Override
  public void close() throws IOException {
    broker.close();
    vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, SECONDS).join();
    idp.shutdown();
  }
}
