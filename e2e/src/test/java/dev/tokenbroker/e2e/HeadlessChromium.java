package dev.tokenbroker.e2e;

import dev.tokenbroker.testing.ChildProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Debian's Chromium, headless, driven over the Chrome DevTools Protocol with the JDK's WebSocket
 * client (no browser-automation dependency). {@link #launch} starts it with a fresh profile
 * directory and DevTools on a free loopback port, {@link #openPage()} attaches to its page, and
 * {@link #close()} stops the whole process tree and deletes the profile.
 */
final class HeadlessChromium implements AutoCloseable {

  private static final Pattern DEVTOOLS =
      Pattern.compile("DevTools listening on (ws://127\\.0\\.0\\.1:(\\d+)/\\S+)");
  private static final Duration START_DEADLINE = Duration.ofSeconds(60);
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

  private final ChildProcess child;
  private final Path profile;
  private final int port;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<Session> sessions = new CopyOnWriteArrayList<>();

  private HeadlessChromium(ChildProcess child, Path profile, int port) {
    this.child = child;
    this.profile = profile;
    this.port = port;
  }

  /**
   * Starts {@code executable} headless on {@code about:blank}, its output going to {@code logFile},
   * and returns once it prints where DevTools listens.
   */
  static HeadlessChromium launch(Path executable, Path logFile) throws IOException {
    Path profile = Files.createTempDirectory("e2e-chromium-profile");
    ChildProcess child;
    try {
      child =
          ChildProcess.command(
                  "chromium",
                  List.of(
                      executable.toString(),
                      "--headless",
                      "--no-sandbox",
                      "--disable-gpu",
                      "--disable-quic",
                      "--no-first-run",
                      "--disable-background-networking",
                      "--disable-component-update",
                      "--disable-sync",
                      // Containers often have a 64 MB /dev/shm, too small for Chromium's renderers.
                      "--disable-dev-shm-usage",
                      "--user-data-dir=" + profile,
                      "--remote-debugging-address=127.0.0.1",
                      "--remote-debugging-port=0",
                      "about:blank"))
              .log(logFile)
              .start();
    } catch (RuntimeException e) {
      deleteTree(profile);
      throw e;
    }
    try {
      int port = Integer.parseInt(child.awaitLine(DEVTOOLS, START_DEADLINE).group(2));
      return new HeadlessChromium(child, profile, port);
    } catch (RuntimeException e) {
      child.close();
      deleteTree(profile);
      throw new IllegalStateException("Chromium printed no DevTools address: " + e.getMessage(), e);
    }
  }

  /** Attaches to the browser's first page target (opening one if there is none). */
  Session openPage() throws Exception {
    String base = "http://127.0.0.1:" + port;
    JsonArray targets =
        new JsonArray(fetch(HttpRequest.newBuilder(URI.create(base + "/json/list"))));
    JsonObject page =
        targets.stream()
            .map(JsonObject.class::cast)
            .filter(t -> "page".equals(t.getString("type")))
            .findFirst()
            .orElse(null);
    if (page == null) {
      page =
          new JsonObject(
              fetch(
                  HttpRequest.newBuilder(URI.create(base + "/json/new?about:blank"))
                      .PUT(HttpRequest.BodyPublishers.noBody())));
    }
    Session session = new Session();
    session.socket =
        http.newWebSocketBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .buildAsync(URI.create(page.getString("webSocketDebuggerUrl")), session)
            .get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    session.sendChain = CompletableFuture.completedFuture(session.socket);
    sessions.add(session);
    return session;
  }

  private String fetch(HttpRequest.Builder request) throws Exception {
    HttpResponse<String> response =
        http.send(request.timeout(CALL_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          "DevTools "
              + response.uri()
              + " answered "
              + response.statusCode()
              + ": "
              + response.body());
    }
    return response.body();
  }

  Path logFile() {
    return child.log();
  }

  /** Stops Chromium and every process it started, then deletes the profile; safe to call twice. */
  @Override
  public void close() {
    sessions.forEach(Session::close);
    child.close();
    deleteTree(profile);
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      System.err.println("could not delete " + root + ": " + e);
    }
  }

  /**
   * One CDP connection to a page. {@link #send} may be called from any thread; results complete on
   * the WebSocket client's threads. Events (messages without an id) are kept in arrival order.
   */
  static final class Session implements WebSocket.Listener {

    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<JsonObject>> pending = new ConcurrentHashMap<>();
    private final List<JsonObject> events = new CopyOnWriteArrayList<>();
    private final StringBuilder partial = new StringBuilder();
    private WebSocket socket;
    private CompletableFuture<WebSocket> sendChain;

    /** Sends {@code method} and completes with its {@code result}, or fails with its error. */
    CompletableFuture<JsonObject> send(String method, JsonObject params) {
      long id = ids.incrementAndGet();
      CompletableFuture<JsonObject> result = new CompletableFuture<>();
      pending.put(id, result);
      String text =
          new JsonObject().put("id", id).put("method", method).put("params", params).encode();
      synchronized (this) {
        // The JDK WebSocket allows one outstanding send: chain them.
        sendChain = sendChain.thenCompose(ws -> ws.sendText(text, true));
        sendChain.whenComplete(
            (ws, failure) -> {
              if (failure != null) {
                pending.remove(id);
                result.completeExceptionally(failure);
              }
            });
      }
      return result.orTimeout(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    /** {@link #send}, awaited on the calling thread (not for event loops). */
    JsonObject call(String method, JsonObject params) throws Exception {
      try {
        return send(method, params).get();
      } catch (ExecutionException e) {
        throw new IllegalStateException(method + " failed: " + e.getCause(), e.getCause());
      }
    }

    /**
     * {@code Runtime.evaluate} of {@code expression} awaiting promises and returning the value as
     * JSON; fails if the page threw.
     */
    CompletableFuture<Object> evaluate(String expression) {
      return send(
              "Runtime.evaluate",
              new JsonObject()
                  .put("expression", expression)
                  .put("returnByValue", true)
                  .put("awaitPromise", true))
          .thenApply(
              r -> {
                if (r.containsKey("exceptionDetails")) {
                  throw new IllegalStateException(
                      "page threw: " + r.getJsonObject("exceptionDetails").encode());
                }
                return r.getJsonObject("result").getValue("value");
              });
    }

    /** The events received so far named {@code method}, e.g. {@code Runtime.exceptionThrown}. */
    List<JsonObject> events(String method) {
      return events.stream().filter(e -> method.equals(e.getString("method"))).toList();
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        JsonObject message = new JsonObject(partial.toString());
        partial.setLength(0);
        Long id = message.getLong("id");
        if (id == null) {
          events.add(message);
        } else {
          CompletableFuture<JsonObject> result = pending.remove(id);
          if (result != null) {
            if (message.containsKey("error")) {
              result.completeExceptionally(
                  new IllegalStateException(
                      "CDP error: " + message.getJsonObject("error").encode()));
            } else {
              result.complete(message.getJsonObject("result", new JsonObject()));
            }
          }
        }
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      failPending(new IllegalStateException("DevTools closed the connection: " + statusCode));
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      failPending(error);
    }

    private void failPending(Throwable error) {
      pending.values().forEach(f -> f.completeExceptionally(error));
      pending.clear();
    }

    void close() {
      if (socket != null) {
        socket.abort();
      }
      failPending(new IllegalStateException("session closed"));
    }
  }
}
