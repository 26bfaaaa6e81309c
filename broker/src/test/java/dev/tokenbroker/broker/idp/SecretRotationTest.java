package dev.tokenbroker.broker.idp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.config.ReloadableFile;
import dev.tokenbroker.broker.testing.Events;
import dev.tokenbroker.broker.testing.RunningBroker;
import dev.tokenbroker.broker.testing.RunningBroker.Answer;
import dev.tokenbroker.broker.testing.TestIdp;
import dev.tokenbroker.testing.MutableClock;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client secret mounted the way the kubelet mounts a Secret volume ({@code secret ->
 * ..data/secret}, {@code ..data -> ..TIMESTAMP}), rotated by swapping {@code ..data} as its
 * AtomicWriter does, while a stand-in token endpoint accepts only one secret at a time.
 */
@ExtendWith(VertxExtension.class)
class SecretRotationTest {

  private static final String OLD = "old-s3cret-value";
  private static final String NEW = "new-s3cret-value";

  @TempDir Path mount;
  private MutableClock clock;
  private TestIdp idp;
  private Events events;
  private RunningBroker broker;
  private volatile String accepted = OLD;

  /** The secret of every token request, in order. */
  private final List<String> presented = new CopyOnWriteArrayList<>();

  private final LinkedBlockingQueue<String> reloadLog = new LinkedBlockingQueue<>();
  private final List<String> allLog = new CopyOnWriteArrayList<>();
  private final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord r) {
          String m = r.getMessage();
          allLog.add(m);
          if (r.getLoggerName().equals(ReloadableFile.class.getName())) {
            reloadLog.add(m);
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };
  private int generation;

  @BeforeEach
  void setUp() {
    Logger.getLogger("").addHandler(capture);
  }

  @AfterEach
  void tearDown() throws Exception {
    Logger.getLogger("").removeHandler(capture);
    if (broker != null) {
      broker.undeploy();
    }
    if (idp != null) {
      idp.close();
    }
    for (String line : allLog) {
      assertFalse(line.contains(OLD) || line.contains(NEW), "a secret was logged: " + line);
    }
  }

  private void start(Vertx vertx, long reloadSeconds) throws Exception {
    publish(OLD);
    clock = MutableClock.atSystemTime();
    idp = TestIdp.start(vertx, clock);
    idp.proxy().override(this::standIn);
    events = new Events();
    JsonObject config = idp.brokerConfig();
    JsonObject idpConfig = config.getJsonObject("idp");
    idpConfig.remove("clientSecret");
    idpConfig
        .put("clientSecretFile", mount.resolve("secret").toString())
        .put("secretReloadSeconds", reloadSeconds);
    broker = RunningBroker.deploy(vertx, config, clock, false, events);
    events.nextRefresh();
    // the watcher's first read, which learns the file's content
    assertTrue(reloadLog.isEmpty(), "the first read is no change: " + reloadLog);
  }

  /**
   * Writes {@code value} as the kubelet's AtomicWriter does: a new timestamped folder, a {@code
   * ..data_tmp} symlink to it renamed over {@code ..data}, the old folder removed. The first call
   * also creates the {@code secret -> ..data/secret} link.
   */
  private void publish(String value) throws Exception {
    Path dir = mount.resolve("..2026_12_01_17_00_00." + (++generation));
    Files.createDirectory(dir);
    Files.writeString(dir.resolve("secret"), value + "\n");
    Path data = mount.resolve("..data");
    Path old = Files.isSymbolicLink(data) ? mount.resolve(Files.readSymbolicLink(data)) : null;
    Path tmp = mount.resolve("..data_tmp");
    Files.createSymbolicLink(tmp, dir.getFileName());
    Files.move(tmp, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    if (old != null) {
      Files.delete(old.resolve("secret"));
      Files.delete(old);
    } else {
      Files.createSymbolicLink(mount.resolve("secret"), Path.of("..data", "secret"));
    }
  }

  /** A token endpoint that accepts client_secret_basic with {@link #accepted} only. */
  private void standIn(HttpServerRequest req) {
    String auth = req.getHeader("Authorization");
    String decoded =
        new String(Base64.getDecoder().decode(auth.substring(6)), StandardCharsets.UTF_8);
    String secret = decoded.substring(decoded.indexOf(':') + 1);
    presented.add(secret);
    req.response().putHeader("Content-Type", "application/json");
    if (!secret.equals(accepted)) {
      req.response()
          .setStatusCode(401)
          .putHeader("WWW-Authenticate", "Basic realm=\"idp\"")
          .end("{\"error\":\"invalid_client\",\"error_description\":\"bad client credentials\"}");
      return;
    }
    long now = clock.millis() / 1000;
    req.response()
        .end(
            new JsonObject()
                .put(
                    "access_token",
                    IdpAnswerTest.jwt(
                        new JsonObject()
                            .put("aud", TestIdp.AUDIENCE)
                            .put("iat", now)
                            .put("exp", now + 600)
                            .put("n", presented.size())))
                .put("expires_in", 600)
                .put("token_type", "Bearer")
                .encode());
  }

  private String token() {
    Answer a = broker.getToken("/v1/token?audience=" + TestIdp.AUDIENCE).await();
    assertEquals(200, a.status(), a.body().toString());
    return a.json().getString("access_token");
  }

  /** Past the refresh point of a 600 s token: the next tick refreshes. */
  private void refresh() {
    clock.advanceSeconds(400);
    broker.tickAndSettle();
  }

  @Test
  void aSwappedSecretIsPickedUpByThePeriodicCheckBeforeTheNextRefresh(Vertx vertx)
      throws Exception {
    start(vertx, 1);
    String before = token();
    presented.clear();

    publish(NEW);
    accepted = NEW;
    String line = reloadLog.poll(10, TimeUnit.SECONDS);
    assertTrue(line != null && line.contains("changed"), "the watcher saw the swap: " + line);

    refresh();
    assertEquals(List.of(NEW), presented, "the first request after the swap used the new secret");
    String after = token();
    assertFalse(after.equals(before), "a refreshed token is served, no restart");
    assertEquals(0, events.pendingFailures());
  }

  @Test
  void invalidClientRereadsTheFileAtOnceAndRetriesOnceWithTheNewSecret(Vertx vertx)
      throws Exception {
    start(vertx, 86_400); // no periodic check during the test: only invalid_client triggers one
    String before = token();
    presented.clear();

    publish(NEW);
    accepted = NEW;
    refresh();
    assertEquals(List.of(OLD, NEW), presented, "rejected once, retried at once with the new one");
    assertEquals(0, events.pendingFailures(), "the cache saw one successful fetch");
    assertFalse(token().equals(before));

    // rejected again with no new secret on disk: no retry, the failure reaches the cache
    presented.clear();
    accepted = "yet-another";
    refresh();
    assertEquals(List.of(NEW), presented, "one attempt: the file did not change");
    assertEquals("invalid_client", events.nextFailure().error());
  }

  @Test
  void anEmptyOrMissingFileKeepsTheSecretInUse(Vertx vertx) throws Exception {
    start(vertx, 1);
    token();
    presented.clear();

    publish("");
    String line = reloadLog.poll(10, TimeUnit.SECONDS);
    assertTrue(line != null && line.contains("stays in use"), String.valueOf(line));
    refresh();
    assertEquals(List.of(OLD), presented, "the old secret is still sent");
    assertEquals(0, events.pendingFailures());

    publish(NEW);
    accepted = NEW;
    line = reloadLog.poll(10, TimeUnit.SECONDS);
    assertTrue(line != null && line.contains("changed"), String.valueOf(line));
    presented.clear();
    refresh();
    assertEquals(List.of(NEW), presented);
  }
}
