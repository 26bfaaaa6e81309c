package dev.tokenbroker.broker.idp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.config.ReloadableFile;
import dev.tokenbroker.broker.testing.Events;
import dev.tokenbroker.broker.testing.RunningBroker;
import dev.tokenbroker.broker.testing.RunningBroker.Answer;
import dev.tokenbroker.broker.testing.TestIdp;
import dev.tokenbroker.broker.testing.TestKeys;
import dev.tokenbroker.testing.MutableClock;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * A broker using {@code private_key_jwt} against a stand-in token endpoint that checks what an IdP
 * checks (signature with the registered key and kid, {@code exp} on its own clock, {@code jti}
 * replay): refusals surface as 502 {@code idp_error}, no assertion or key appears in a log, body or
 * metric, and a key rotated by a kubelet-style {@code ..data} swap signs the next assertion.
 */
@ExtendWith(VertxExtension.class)
class AssertionRefusalAndRotationTest {

  @TempDir Path mount;
  private MutableClock clock;
  private TestIdp idp;
  private Events events;
  private RunningBroker broker;
  private int generation;

  /** kid -> public key the stand-in accepts. */
  private final ConcurrentHashMap<String, PublicKey> registered = new ConcurrentHashMap<>();

  private final Set<String> seenJti = ConcurrentHashMap.newKeySet();
  private volatile boolean treatEveryJtiAsSeen;
  private volatile long idpClockOffsetSeconds;
  private final List<String> assertions = new CopyOnWriteArrayList<>();
  private final List<String> refusals = new CopyOnWriteArrayList<>();

  private final LinkedBlockingQueue<String> reloadLog = new LinkedBlockingQueue<>();
  private final List<String> allLog = new CopyOnWriteArrayList<>();
  private final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord r) {
          String m = r.getMessage() + (r.getThrown() == null ? "" : " " + r.getThrown());
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
  }

  /** Writes the key as the kubelet's AtomicWriter does (see SecretRotationTest). */
  private void publish(String pem) throws Exception {
    Path dir = mount.resolve("..2026_12_01_18_00_00." + (++generation));
    Files.createDirectory(dir);
    Files.writeString(dir.resolve("key.pem"), pem);
    Path data = mount.resolve("..data");
    Path old = Files.isSymbolicLink(data) ? mount.resolve(Files.readSymbolicLink(data)) : null;
    Path tmp = mount.resolve("..data_tmp");
    Files.createSymbolicLink(tmp, dir.getFileName());
    Files.move(tmp, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    if (old != null) {
      Files.delete(old.resolve("key.pem"));
      Files.delete(old);
    } else {
      Files.createSymbolicLink(mount.resolve("key.pem"), Path.of("..data", "key.pem"));
    }
  }

  private void start(Vertx vertx, KeyPair key) throws Exception {
    registered.put(TestKeys.thumbprint(key.getPublic()), key.getPublic());
    publish(TestKeys.pkcs8(key.getPrivate()));
    clock = MutableClock.atSystemTime();
    idp = TestIdp.start(vertx, clock);
    idp.proxy().override(this::standIn);
    events = new Events();
    JsonObject config = idp.brokerConfig();
    JsonObject idpConfig = config.getJsonObject("idp");
    idpConfig.remove("clientSecret");
    idpConfig
        .put("authMethod", "private_key_jwt")
        .put("privateKeyFile", mount.resolve("key.pem").toString())
        .put("secretReloadSeconds", 1);
    config.put("cache", new JsonObject().put("invalidateMinIntervalSeconds", 0));
    broker = RunningBroker.deploy(vertx, config, clock, false, events);
  }

  private void refuse(HttpServerRequest req, int status, String description) {
    refusals.add(description);
    req.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(
            new JsonObject()
                .put("error", "invalid_client")
                .put("error_description", description)
                .encode());
  }

  /** What an IdP checks of a private_key_jwt client assertion. */
  private void standIn(HttpServerRequest req) {
    String assertion = null;
    for (String pair :
        idp.proxy().recorded().get(idp.proxy().recorded().size() - 1).body().split("&")) {
      if (pair.startsWith("client_assertion=")) {
        assertion = URLDecoder.decode(pair.substring(17), StandardCharsets.UTF_8);
      }
    }
    if (assertion == null) {
      refuse(req, 401, "no client assertion");
      return;
    }
    assertions.add(assertion);
    JsonObject claims = TestKeys.claims(assertion);
    PublicKey key = registered.get(TestKeys.header(assertion).getString("kid", ""));
    long idpNow = clock.millis() / 1000 + idpClockOffsetSeconds;
    try {
      if (key == null || !TestKeys.verifies(assertion, key, null)) {
        refuse(req, 401, "unknown key or bad signature");
        return;
      }
    } catch (Exception e) {
      refuse(req, 401, "bad signature");
      return;
    }
    if (claims.getLong("exp") <= idpNow) {
      refuse(req, 401, "client assertion expired");
      return;
    }
    if (!seenJti.add(claims.getString("jti")) || treatEveryJtiAsSeen) {
      refuse(req, 400, "client assertion replayed (jti already used)");
      return;
    }
    long now = clock.millis() / 1000;
    req.response()
        .putHeader("Content-Type", "application/json")
        .end(
            new JsonObject()
                .put(
                    "access_token",
                    IdpAnswerTest.jwt(
                        new JsonObject()
                            .put("aud", TestIdp.AUDIENCE)
                            .put("iat", now)
                            .put("exp", now + 600)
                            .put("kid_used", TestKeys.header(assertion).getString("kid"))))
                .put("expires_in", 600)
                .put("token_type", "Bearer")
                .encode());
  }

  private Answer token() {
    return broker.getToken("/v1/token?audience=" + TestIdp.AUDIENCE).await();
  }

  private String lastKid() {
    return TestKeys.header(assertions.get(assertions.size() - 1)).getString("kid");
  }

  @Test
  void replayedOrExpiredAssertionsAre502IdpErrorAndNeverLeak(Vertx vertx) throws Exception {
    start(vertx, TestKeys.rsa());
    events.nextRefresh();
    Answer ok = token();
    assertEquals(200, ok.status(), ok.body().toString());
    List<String> bodies = new ArrayList<>();

    // the IdP's replay cache says it has seen the jti
    treatEveryJtiAsSeen = true;
    clock.advanceSeconds(400);
    broker.tickAndSettle();
    clock.advanceSeconds(600);
    Answer replayed = token();
    bodies.add(replayed.body().toString());
    assertEquals(502, replayed.status(), replayed.body().toString());
    assertEquals("idp_error", replayed.json().getString("error"));
    assertEquals("invalid_client", replayed.json().getString("idp_error"));

    // the IdP's clock is ahead by more than the assertion's lifetime: expired on arrival
    treatEveryJtiAsSeen = false;
    idpClockOffsetSeconds = 120;
    clock.advanceSeconds(30);
    Answer expired = token();
    bodies.add(expired.body().toString());
    assertEquals(502, expired.status(), expired.body().toString());
    assertEquals("invalid_client", expired.json().getString("idp_error"));
    assertTrue(refusals.contains("client assertion expired"), refusals.toString());
    assertTrue(refusals.stream().anyMatch(r -> r.contains("replayed")), refusals.toString());

    bodies.add(broker.get("/metrics").body().toString());
    bodies.add(broker.get("/health/ready").body().toString());
    String everything = String.join("\n", allLog) + "\n" + String.join("\n", bodies);
    assertTrue(everything.contains("invalid_client"), "the refusals were seen");
    assertTrue(assertions.size() >= 3, assertions.toString().length() + " chars of assertions");
    for (String a : assertions) {
      assertFalse(everything.contains(a.substring(a.lastIndexOf('.') + 1)), "an assertion leaked");
      assertFalse(everything.contains(a.substring(0, a.lastIndexOf('.'))), "an assertion leaked");
    }
    assertFalse(everything.contains("PRIVATE KEY"), "key material leaked");
    assertEquals(
        assertions.size(),
        Set.copyOf(assertions.stream().map(a -> TestKeys.claims(a).getString("jti")).toList())
            .size(),
        "no jti ever reused");
  }

  @Test
  void aKeySwappedLikeTheKubeletDoesSignsTheNextAssertionWithItsKid(Vertx vertx) throws Exception {
    KeyPair first = TestKeys.rsa();
    KeyPair second = TestKeys.rsa();
    start(vertx, first);
    events.nextRefresh();
    assertEquals(TestKeys.thumbprint(first.getPublic()), lastKid());
    assertTrue(reloadLog.isEmpty(), "the first read is no change: " + reloadLog);

    // the new key is registered at the IdP, then mounted
    registered.put(TestKeys.thumbprint(second.getPublic()), second.getPublic());
    publish(TestKeys.pkcs8(second.getPrivate()));
    String line = reloadLog.poll(20, TimeUnit.SECONDS);
    assertTrue(line != null && line.contains("changed"), "the watcher saw the swap: " + line);
    assertFalse(line.contains("PRIVATE"), line);

    int before = assertions.size();
    clock.advanceSeconds(400);
    broker.tickAndSettle();
    assertEquals(before + 1, assertions.size());
    assertEquals(TestKeys.thumbprint(second.getPublic()), lastKid(), "signed with the new key");
    assertTrue(TestKeys.verifies(assertions.get(before), second.getPublic(), null));
    Answer a = token();
    assertEquals(200, a.status(), a.body().toString());
    assertEquals(0, events.pendingFailures());
  }
}
