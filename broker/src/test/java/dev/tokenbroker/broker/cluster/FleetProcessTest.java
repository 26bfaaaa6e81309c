package dev.tokenbroker.broker.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.testing.TestIdp;
import dev.tokenbroker.testing.ChildProcess;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Fleet mode as operators run it: broker JVMs ({@code Main --config}) on 127.0.0.1 forming a
 * Hazelcast cluster over a TCP-IP member list, against a real IdP (mock-oauth2-server behind the
 * counting {@code FaultProxy}). One fleet goes through the scenarios in order: cold start, three
 * token lifetimes under load, {@code kill -9} of a lease holder mid-fetch, a node joining, an
 * invalidation on every node and a consumer JVM, a process with a wrong secret, a paused node.
 *
 * <p>Hazelcast's failure detection is shortened for the test JVMs only, by system properties
 * (heartbeat 1 s, a member silent for 5 s is dropped, split-brain merge after 5 s).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetProcessTest {

  private static final String READ = "read:students";
  private static final String WRITE = "write:students";
  private static final long LIFETIME_SECONDS = 10;
  private static final Pattern LISTENING =
      Pattern.compile("HTTP API listening on http://127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern LEASE_FETCH =
      Pattern.compile("fleet: fetching (.+?) for the fleet \\(lease held\\)");
  private static final String SECRET = "test-only fleet secret: 0123456789abcdefghijklmnop";

  /** One broker JVM. */
  private record Node(String name, ChildProcess child, int hzPort, int httpPort) {}

  /** A served token: status, JWT exp (seconds), its hash; status != 200 has exp 0. */
  private record Served(int status, long exp, String token, long receivedAtMillis) {
    boolean expired() {
      return status == 200 && exp * 1000 <= receivedAtMillis;
    }
  }

  /** Under target/, so the brokers' logs outlive a failed run. */
  private Path dir;

  private Vertx vertx;
  private TestIdp idp;
  private Path secretFile;
  private final List<Integer> hzPorts = new ArrayList<>();
  private final Map<String, Node> nodes = new ConcurrentHashMap<>();
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final List<ChildProcess> others = new ArrayList<>();

  @BeforeAll
  void startFleet() throws Exception {
    dir = Files.createDirectories(Path.of("target"));
    dir = Files.createTempDirectory(dir, "fleet-process-test-");
    vertx = Vertx.vertx();
    // Long-lived tokens while the fleet starts, so that what the IdP counts is the prefetch alone.
    idp = TestIdp.start(vertx).tokenLifetimeSeconds(300).warmUp();
    secretFile = dir.resolve("cluster-secret");
    Files.writeString(secretFile, SECRET + "\n");
    for (int i = 0; i < 6; i++) {
      hzPorts.add(freePort());
    }
    long t0 = System.nanoTime();
    Node a = startNode("a", 0, 3);
    ChildProcess b = launch("b", 1, 3);
    ChildProcess c = launch("c", 2, 3);
    nodes.put("a", a);
    nodes.put("b", awaitListening("b", b, 1));
    nodes.put("c", awaitListening("c", c, 2));
    for (Node n : nodes.values()) {
      await("3 members seen by " + n.name, 60, () -> members(n) == 3);
    }
    System.out.printf(
        "FLEET: 3 brokers up and clustered in %d ms%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
  }

  @AfterAll
  void stop() throws Exception {
    nodes.values().forEach(n -> n.child.close());
    others.forEach(ChildProcess::close);
    if (idp != null) {
      idp.close();
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @Order(1)
  void threeNodesStartingAndThreeHundredColdRequestsCostOneIdpCallEach() throws Exception {
    for (Node n : nodes.values()) {
      await(n.name + " holds the prefetched key", 30, () -> get(n, WRITE).status == 200);
    }
    assertEquals(1, idpCalls(WRITE), "three nodes prefetching one key: one IdP call");

    List<CompletableFuture<Served>> answers = new ArrayList<>();
    List<Node> three = List.copyOf(nodes.values());
    for (int i = 0; i < 300; i++) {
      answers.add(getAsync(three.get(i % 3), READ));
    }
    Set<String> tokens = new HashSet<>();
    for (CompletableFuture<Served> f : answers) {
      Served s = f.get(30, TimeUnit.SECONDS);
      assertEquals(200, s.status);
      assertFalse(s.expired());
      tokens.add(s.token);
    }
    assertEquals(1, idpCalls(READ), "300 cold requests over 3 nodes: one IdP call");
    assertEquals(1, tokens.size(), "every node serves the one fetched token");
  }

  @Test
  @Order(2)
  void threeTokenLifetimesUnderLoadCostTheRefreshesOfOneBroker() throws Exception {
    shortTokens();
    int write0 = idpCalls(WRITE);
    int read0 = idpCalls(READ);
    long windowMillis = 3 * LIFETIME_SECONDS * 1000;
    try (Load load = new Load(nodes.values())) {
      long t0 = System.currentTimeMillis();
      ChildProcess.pause(windowMillis); // the measurement window itself: three token lifetimes
      long elapsed = System.currentTimeMillis() - t0;
      load.stop();
      load.assertServedThroughout(nodes.keySet());
      int write = idpCalls(WRITE) - write0;
      int read = idpCalls(READ) - read0;
      // One broker refreshes at 0.3 of the lifetime ±10 % (cache.refreshRatio in the config),
      // plus the fetch itself; three independent brokers would make three times as many calls.
      double earliest = 0.27 * LIFETIME_SECONDS * 1000;
      double latest = 0.33 * LIFETIME_SECONDS * 1000 + 500;
      int most = (int) Math.ceil(elapsed / earliest) + 1;
      int least = (int) Math.floor(elapsed / latest) - 1;
      double oneBroker = elapsed / (0.3 * LIFETIME_SECONDS * 1000);
      System.out.printf(
          "FLEET: %d ms under load (%d requests) on 3 nodes: IdP calls %d (write key), %d (read"
              + " key); one broker ~%.1f; 3 brokers without the fleet ~%.1f per key%n",
          elapsed, load.total(), write, read, oneBroker, 3 * oneBroker);
      for (int calls : new int[] {write, read}) {
        assertTrue(
            calls >= least && calls <= most,
            "IdP calls per key "
                + calls
                + " not within one broker's ["
                + least
                + ", "
                + most
                + "]");
      }
      double received = 0;
      for (Node n : nodes.values()) {
        received += metric(n, "token_broker_cluster_tokens_received_total");
      }
      assertTrue(received >= write + read, "the others took the tokens: received " + received);
    }
  }

  @Test
  @Order(3)
  void killingTheLeaseHolderMidFetchLeavesTheOthersServingAndAnotherNodeFetches() throws Exception {
    Map<String, Integer> marks = logMarks();
    try (Load load = new Load(nodes.values())) {
      idp.proxy().slowMillis(2_000).mode(dev.tokenbroker.broker.testing.FaultProxy.Mode.SLOW);
      String[] holder = new String[2];
      await(
          "a node fetching for the fleet",
          20,
          () -> {
            for (Node n : nodes.values()) {
              for (String line : newLines(n, marks)) {
                Matcher m = LEASE_FETCH.matcher(line);
                if (m.find()) {
                  holder[0] = n.name;
                  holder[1] = m.group(1);
                  return true;
                }
              }
            }
            return false;
          },
          5);
      Node victim = nodes.remove(holder[0]);
      load.stop(victim.name);
      victim.child.process().destroyForcibly(); // kill -9, mid-fetch
      long killedAt = System.nanoTime();
      idp.proxy().mode(dev.tokenbroker.broker.testing.FaultProxy.Mode.PASS);
      Map<String, Integer> afterKill = logMarks();
      String[] fetcher = new String[1];
      await(
          "another node fetching " + holder[1],
          20,
          () -> {
            for (Node n : nodes.values()) {
              for (String line : newLines(n, afterKill)) {
                if (line.contains(holder[1])
                    && (line.contains("lease held") || line.contains("alone"))) {
                  fetcher[0] = n.name + ": " + line;
                  return true;
                }
              }
            }
            return false;
          });
      long refetchMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
      for (Node n : nodes.values()) {
        await(n.name + " sees the holder gone", 30, () -> members(n) == 2);
      }
      long droppedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
      ChildProcess.pause(2_000); // keep the load on after the new token spread
      load.stop();
      load.assertServedThroughout(nodes.keySet());
      System.out.printf(
          "FLEET: kill -9 of %s holding the lease for %s: another node fetched %d ms later (%s);"
              + " member dropped after %d ms; %d requests served, none failed or expired%n",
          victim.name, holder[1], refetchMillis, fetcher[0], droppedMillis, load.total());
    }
  }

  @Test
  @Order(4)
  void aFourthNodeJoinsAndServesWithNoIdpCall() throws Exception {
    idp.tokenLifetimeSeconds(300);
    for (Node n : nodes.values()) {
      for (String scope : List.of(READ, WRITE)) {
        await(
            n.name + " holds a long-lived " + scope + " token",
            30,
            () -> {
              Served s = get(n, scope);
              return s.status == 200 && s.exp * 1000 - System.currentTimeMillis() > 100_000;
            });
      }
    }
    int before = idp.proxy().tokenRequests();
    long t0 = System.nanoTime();
    Node d = startNode("d", 3, 4);
    nodes.put("d", d);
    await("d ready", 30, () -> status(d, "/health/ready") == 200);
    long readyMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    Node other = nodes.values().stream().filter(n -> n != d).findFirst().orElseThrow();
    for (String scope : List.of(WRITE, READ)) {
      Served s = get(d, scope);
      assertEquals(200, s.status, scope);
      assertEquals(sha256(get(other, scope).token), sha256(s.token), "the fleet's token");
    }
    assertEquals(before, idp.proxy().tokenRequests(), "a joining node makes no IdP call");
    assertEquals(3, members(d));
    System.out.printf(
        "FLEET: a fourth node started, joined and was ready in %d ms with 0 IdP calls%n",
        readyMillis);
  }

  @Test
  @Order(5)
  void anInvalidationOnEveryNodeCostsOneIdpCallAndAConsumerJvmGetsTokensAndHearsRefreshes()
      throws Exception {
    try (ChildProcess consumer = consumer("consumer", secretFile, 4)) {
      consumerGetsTokensAndHearsRefreshes(consumer);
    }
    for (Node n : nodes.values()) {
      await(n.name + " sees the consumer gone", 30, () -> members(n) == 3);
    }
  }

  private void consumerGetsTokensAndHearsRefreshes(ChildProcess consumer) throws Exception {
    consumer.awaitLine(Pattern.compile("consumer joined, members=4"), Duration.ofSeconds(60));
    String held = get(nodes.values().iterator().next(), READ).token;
    consumer.awaitLine(
        Pattern.compile("consumer got token exp=\\d+ sha256=" + sha256(held)),
        Duration.ofSeconds(30));

    int before = idpCalls(READ);
    List<CompletableFuture<HttpResponse<String>>> reports = new ArrayList<>();
    for (Node n : nodes.values()) {
      reports.add(invalidate(n, READ, held));
    }
    for (CompletableFuture<HttpResponse<String>> r : reports) {
      HttpResponse<String> resp = r.get(10, TimeUnit.SECONDS);
      assertEquals(202, resp.statusCode(), resp.body());
      assertEquals("invalidated", new JsonObject(resp.body()).getString("result"));
    }
    for (Node n : nodes.values()) {
      await(
          n.name + " serves a new token",
          20,
          () -> {
            Served s = get(n, READ);
            return s.status == 200 && !s.token.equals(held);
          });
    }
    assertEquals(1, idpCalls(READ) - before, "an invalidation on three nodes: one IdP call");
    String fresh = get(nodes.values().iterator().next(), READ).token;
    for (Node n : nodes.values()) {
      assertEquals(sha256(fresh), sha256(get(n, READ).token), n.name + " serves the new token");
    }
    consumer.awaitLine(
        Pattern.compile("consumer heard refreshed .*\"scope\":\"read:students\""),
        Duration.ofSeconds(10));
    consumer.awaitLine(
        Pattern.compile("consumer got token exp=\\d+ sha256=" + sha256(fresh)),
        Duration.ofSeconds(10));
    String all = String.join("\n", consumer.lines());
    assertFalse(all.contains(fresh), "the consumer prints hashes only");
  }

  @Test
  @Order(6)
  void aProcessWithAWrongSecretNeitherJoinsNorReadsAToken() throws Exception {
    Path wrong = dir.resolve("wrong-secret");
    Files.writeString(wrong, "test-only WRONG fleet secret 0123456789abcdef\n");
    ChildProcess intruder = consumer("intruder", wrong, 5);
    intruder.awaitLine(Pattern.compile("consumer joined, members=1"), Duration.ofSeconds(60));
    for (int i = 0; i < 3; i++) {
      intruder.awaitLine(Pattern.compile("consumer request failed"), Duration.ofSeconds(20));
    }
    await("3 failed requests", 20, () -> count(intruder, "consumer request failed") >= 3);
    assertEquals(0, count(intruder, "consumer got token"), "no token for a wrong secret");
    for (Node n : nodes.values()) {
      assertEquals(3, members(n), n.name + ": the intruder did not join");
    }
    intruder.close();
  }

  @Test
  @Order(7)
  void aPausedNodeResumesAndEveryNodeKeepsServingValidTokens() throws Exception {
    shortTokens();
    Node paused = nodes.get("d");
    List<Node> running = nodes.values().stream().filter(n -> n != paused).toList();
    try (Load load = new Load(running)) {
      signal("STOP", paused);
      others.add(
          paused.child); // resumed below; if the test fails first, closed (SIGKILL) at the end
      long stoppedAt = System.nanoTime();
      for (Node n : running) {
        await(n.name + " drops the paused node", 30, () -> members(n) == running.size());
      }
      long droppedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppedAt);
      ChildProcess.pause(Math.max(0, LIFETIME_SECONDS * 1000 - droppedMillis)); // a lifetime
      signal("CONT", paused);
      long resumedAt = System.nanoTime();
      List<Served> afterResume = new ArrayList<>();
      await(
          "the resumed node serves a valid token",
          20,
          () -> {
            Served s = get(paused, WRITE);
            afterResume.add(s);
            return s.status == 200;
          },
          50);
      long servingMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - resumedAt);
      for (int i = 0; i < 20; i++) {
        afterResume.add(get(paused, READ));
        afterResume.add(get(paused, WRITE));
      }
      load.stop();
      load.assertServedThroughout(running.stream().map(Node::name).collect(Collectors.toSet()));
      assertTrue(
          afterResume.stream().noneMatch(Served::expired), "the resumed node serves none expired");
      System.out.printf(
          "FLEET: SIGSTOP of %s: dropped by the others after %d ms, paused %d s; after SIGCONT it"
              + " served a valid token in %d ms; the others served %d requests, none failed%n",
          paused.name, droppedMillis, LIFETIME_SECONDS, servingMillis, load.total());
    }
  }

  @Test
  @Order(8)
  void noLogHoldsATokenTheSecretOrCiphertext() throws Exception {
    List<Path> logs;
    try (var files = Files.list(dir)) {
      logs = files.filter(f -> f.toString().endsWith(".log")).toList();
    }
    assertTrue(logs.size() >= 4, "the brokers' logs: " + logs);
    for (Path log : logs) {
      String all = Files.readString(log);
      assertFalse(all.contains(SECRET), log + " holds the cluster secret");
      assertFalse(all.contains("eyJ"), log + " holds a JWT");
      assertFalse(all.contains(TestIdp.CLIENT_SECRET), log + " holds the client secret");
      assertFalse(all.contains("\"sealed\""), log + " holds a sealed token");
    }
  }

  /**
   * Switches the IdP to {@link #LIFETIME_SECONDS} tokens and spreads fresh ones: an invalidation on
   * one node, whose new token the others take (it was obtained after theirs).
   */
  private void shortTokens() throws Exception {
    idp.tokenLifetimeSeconds(LIFETIME_SECONDS);
    Node first = nodes.values().iterator().next();
    for (String scope : List.of(READ, WRITE)) {
      String held = get(first, scope).token;
      invalidate(first, scope, held).get(10, TimeUnit.SECONDS);
      for (Node n : nodes.values()) {
        await(
            n.name + " holds a short " + scope + " token",
            20,
            () -> {
              Served s = get(n, scope);
              return s.status == 200
                  && s.exp * 1000 - System.currentTimeMillis() < 2 * LIFETIME_SECONDS * 1000;
            });
      }
    }
  }

  // ---------------------------------------------------------------- nodes

  private Node startNode(String name, int index, int memberCount) throws Exception {
    return awaitListening(name, launch(name, index, memberCount), index);
  }

  private ChildProcess launch(String name, int index, int memberCount) throws Exception {
    String members =
        hzPorts.subList(0, memberCount).stream()
            .map(p -> "\"127.0.0.1:" + p + "\"")
            .collect(Collectors.joining(", "));
    Path config = dir.resolve(name + ".yaml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "http: {host: 127.0.0.1, port: 0}",
            "idp:",
            "  tokenEndpoint: " + idp.tokenEndpoint(),
            "  clientId: " + TestIdp.CLIENT_ID,
            "  clientSecret: ${BROKER_CLIENT_SECRET}",
            "  requestTimeoutMillis: 2500",
            "eventBus: {tcpBridge: {enabled: false}}",
            "cache: {refreshRatio: 0.3, tickMillis: 100, invalidateMinIntervalSeconds: 0}",
            "retry: {minBackoffMillis: 100, maxBackoffMillis: 1000}",
            "tokens:",
            "  - {audience: " + TestIdp.AUDIENCE + ", scopes: [" + READ + "], prefetch: false}",
            "  - {audience: " + TestIdp.AUDIENCE + ", scopes: [" + WRITE + "], prefetch: true}",
            "cluster:",
            "  enabled: true",
            "  host: 127.0.0.1",
            "  port: " + hzPorts.get(index),
            "  members: [" + members + "]",
            "  secretFile: " + secretFile,
            ""));
    List<String> args = new ArrayList<>(jvmFlags());
    args.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            "dev.tokenbroker.broker.Main",
            "--config",
            config.toString()));
    return ChildProcess.java("broker-" + name, args)
        .env(Map.of("BROKER_CLIENT_SECRET", TestIdp.CLIENT_SECRET))
        .log(dir.resolve(name + ".log"))
        .closeGrace(Duration.ofSeconds(10))
        .start();
  }

  private Node awaitListening(String name, ChildProcess child, int index) {
    int port = Integer.parseInt(child.awaitLine(LISTENING, Duration.ofSeconds(90)).group(1));
    return new Node(name, child, hzPorts.get(index), port);
  }

  private ChildProcess consumer(String name, Path secret, int index) {
    List<String> args = new ArrayList<>(jvmFlags());
    args.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            FleetConsumerMain.class.getName(),
            secret.toString(),
            Integer.toString(hzPorts.get(index)),
            TestIdp.AUDIENCE,
            READ));
    for (int p : hzPorts) {
      args.add("127.0.0.1:" + p);
    }
    ChildProcess c = ChildProcess.java(name, args).log(dir.resolve(name + ".log")).start();
    others.add(c);
    return c;
  }

  private static List<String> jvmFlags() {
    return List.of(
        "-Xmx192m",
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        "-Dhazelcast.heartbeat.interval.seconds=1",
        "-Dhazelcast.max.no.heartbeat.seconds=5",
        "-Dhazelcast.wait.seconds.before.join=1",
        "-Dhazelcast.merge.first.run.delay.seconds=5",
        "-Dhazelcast.merge.next.run.delay.seconds=5");
  }

  private static void signal(String signal, Node n) throws Exception {
    Process p =
        new ProcessBuilder("kill", "-" + signal, Long.toString(n.child.pid())).inheritIO().start();
    assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "kill -" + signal);
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  private Map<String, Integer> logMarks() {
    Map<String, Integer> marks = new ConcurrentHashMap<>();
    nodes.values().forEach(n -> marks.put(n.name, n.child.lines().size()));
    return marks;
  }

  private static List<String> newLines(Node n, Map<String, Integer> marks) {
    List<String> lines = n.child.lines();
    int from = Math.min(lines.size(), marks.getOrDefault(n.name, 0));
    return lines.subList(from, lines.size());
  }

  private static long count(ChildProcess c, String text) {
    return c.lines().stream().filter(l -> l.contains(text)).count();
  }

  // ---------------------------------------------------------------- HTTP

  private HttpRequest tokenRequest(Node n, String scope) {
    return HttpRequest.newBuilder(
            URI.create(
                "http://127.0.0.1:"
                    + n.httpPort
                    + "/v1/token?audience="
                    + TestIdp.AUDIENCE
                    + "&scope="
                    + scope))
        .header("Token-Broker-Request", "true")
        .timeout(Duration.ofSeconds(15))
        .build();
  }

  private Served get(Node n, String scope) {
    try {
      return served(http.send(tokenRequest(n, scope), HttpResponse.BodyHandlers.ofString()));
    } catch (Exception e) {
      return new Served(-1, 0, e.toString(), System.currentTimeMillis());
    }
  }

  private CompletableFuture<Served> getAsync(Node n, String scope) {
    return http.sendAsync(tokenRequest(n, scope), HttpResponse.BodyHandlers.ofString())
        .thenApply(FleetProcessTest::served);
  }

  private static Served served(HttpResponse<String> r) {
    long now = System.currentTimeMillis();
    if (r.statusCode() != 200) {
      return new Served(r.statusCode(), 0, r.body(), now);
    }
    String token = new JsonObject(r.body()).getString("access_token");
    return new Served(200, FleetConsumerMain.exp(token), token, now);
  }

  private CompletableFuture<HttpResponse<String>> invalidate(Node n, String scope, String token) {
    JsonObject body =
        new JsonObject()
            .put("audience", TestIdp.AUDIENCE)
            .put("scope", scope)
            .put("access_token", token);
    return http.sendAsync(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + n.httpPort + "/v1/token/invalidate"))
            .header("Token-Broker-Request", "true")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.encode()))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private int status(Node n, String path) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n.httpPort + path))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  private double metric(Node n, String name) {
    try {
      String text =
          http.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n.httpPort + "/metrics"))
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      for (String line : text.split("\n")) {
        if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
          return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
      return -1;
    } catch (Exception e) {
      return -1;
    }
  }

  private int members(Node n) {
    return (int) metric(n, "token_broker_cluster_members");
  }

  /** Token requests the IdP received for {@code scope}. */
  private int idpCalls(String scope) {
    return (int)
        idp.proxy().recorded().stream()
            .map(r -> URLDecoder.decode(r.body(), StandardCharsets.UTF_8))
            .filter(b -> b.contains("scope=" + scope))
            .count();
  }

  private static String sha256(String s) {
    return FleetConsumerMain.sha256(s);
  }

  private static void await(String what, int seconds, BooleanSupplier condition) {
    await(what, seconds, condition, 100);
  }

  /** Polls {@code condition} (it asks a process; there is no event to wait on) until a deadline. */
  private static void await(String what, int seconds, BooleanSupplier condition, long every) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + seconds + " s waiting for: " + what);
      }
      ChildProcess.pause(every);
    }
  }

  // ---------------------------------------------------------------- load

  /** One thread per node asking for both keys in turn until stopped; records what was served. */
  private final class Load implements AutoCloseable {
    private final Map<String, Thread> threads = new ConcurrentHashMap<>();
    private final Map<String, List<Served>> served = new ConcurrentHashMap<>();
    private final Set<String> stopped = ConcurrentHashMap.newKeySet();

    Load(java.util.Collection<Node> on) {
      for (Node n : on) {
        List<Served> list = java.util.Collections.synchronizedList(new ArrayList<>());
        served.put(n.name, list);
        Thread t =
            new Thread(
                () -> {
                  int i = 0;
                  while (!stopped.contains(n.name)) {
                    list.add(get(n, (i++ % 2 == 0) ? READ : WRITE));
                    ChildProcess.pause(10);
                  }
                },
                "load-" + n.name);
        t.setDaemon(true);
        threads.put(n.name, t);
        t.start();
      }
    }

    void stop(String node) throws InterruptedException {
      stopped.add(node);
      threads.get(node).join(20_000);
    }

    void stop() throws InterruptedException {
      for (String n : threads.keySet()) {
        stop(n);
      }
    }

    long total() {
      return served.values().stream().mapToLong(List::size).sum();
    }

    void assertServedThroughout(Set<String> on) {
      for (String n : on) {
        List<Served> list = List.copyOf(served.get(n));
        assertTrue(list.size() > 10, n + " served only " + list.size());
        List<Served> bad =
            list.stream().filter(s -> s.status != 200 || s.expired()).limit(3).toList();
        assertTrue(bad.isEmpty(), n + " failed or served expired: " + bad);
      }
    }

    @Override
    public void close() throws InterruptedException {
      stop();
    }
  }
}
