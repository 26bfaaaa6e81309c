package dev.tokenbroker.bench.process;

import dev.tokenbroker.testing.ChildProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The benchmark IdP: {@code mock-oauth2-server} standalone in its own JVM, with three issuers that
 * differ only in token lifetime. Every {@code client_credentials} token carries {@code aud} = the
 * request's {@code audience} parameter, {@code scope} = its {@code scope} parameter and {@code sub}
 * = the client id; any client secret is accepted.
 *
 * <ul>
 *   <li>{@value #LONG}: one hour (token GET, event bus, students-rs, start-up);
 *   <li>{@value #SHORT}: {@code shortSeconds} (the broker's refresh storm);
 *   <li>{@value #NAIVE}: {@code shortSeconds + 60}, so a naive client that refreshes within 60 s of
 *       expiry uses each token for {@code shortSeconds}, the same usable lifetime the broker gets.
 * </ul>
 */
public final class MockIdp implements AutoCloseable {

  public static final String LONG = "default";
  public static final String SHORT = "short";
  public static final String NAIVE = "naive";
  public static final String MAIN_CLASS =
      "no.nav.security.mock.oauth2.StandaloneMockOAuth2ServerKt";

  private final ChildProcess process;
  private final int port;

  private MockIdp(ChildProcess process, int port) {
    this.process = process;
    this.port = port;
  }

  /** Starts the IdP and waits until its discovery document answers. */
  public static MockIdp start(Launcher launcher, long shortSeconds) throws IOException {
    int port = Launcher.freePort();
    Path config = launcher.workDir().resolve("mock-idp.json");
    JsonObject json =
        new JsonObject()
            .put("interactiveLogin", false)
            .put("httpServer", "NettyWrapper")
            .put(
                "tokenCallbacks",
                new JsonArray()
                    .add(issuer(LONG, 3600))
                    .add(issuer(SHORT, shortSeconds))
                    .add(issuer(NAIVE, shortSeconds + 60)));
    Files.writeString(config, json.encodePrettily());
    List<String> cmd = new ArrayList<>(List.of(JvmFlags.javaBin(), "-Xmx256m", "-XX:+UseSerialGC"));
    cmd.addAll(List.of("-cp", launcher.classpath(), MAIN_CLASS));
    ChildProcess p =
        launcher.start(
            "mock-idp",
            cmd,
            Map.of("SERVER_PORT", Integer.toString(port), "JSON_CONFIG_PATH", config.toString()));
    MockIdp idp = new MockIdp(p, port);
    if (!launcher.awaitStatus(
        idp.issuer(LONG) + "/.well-known/openid-configuration", 200, Duration.ofSeconds(60))) {
      p.close();
      throw new IllegalStateException("mock IdP did not start" + p.tail());
    }
    return idp;
  }

  private static JsonObject issuer(String id, long expirySeconds) {
    JsonObject claims =
        new JsonObject()
            .put("sub", "${clientId}")
            .put("aud", new JsonArray().add("${audience}"))
            .put("scope", "${scope}");
    return new JsonObject()
        .put("issuerId", id)
        .put("tokenExpiry", expirySeconds)
        .put(
            "requestMappings",
            new JsonArray()
                .add(
                    new JsonObject()
                        .put("requestParam", "grant_type")
                        .put("match", "client_credentials")
                        .put("claims", claims)));
  }

  public int port() {
    return port;
  }

  /** False when the IdP process has gone (it never exits on its own). */
  public boolean isAlive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  public String issuer(String id) {
    return "http://127.0.0.1:" + port + "/" + id;
  }

  public String tokenEndpoint(String id) {
    return issuer(id) + "/token";
  }

  public String jwksUri(String id) {
    return issuer(id) + "/jwks";
  }

  @Override
  public void close() {
    process.close();
  }
}
