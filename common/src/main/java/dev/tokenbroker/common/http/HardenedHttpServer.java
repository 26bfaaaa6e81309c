package dev.tokenbroker.common.http;

import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An {@link HttpServer} with {@link ListenerLimits} enforced, for every listener of both services.
 * Vert.x enforces the sizes and the idle timeout ({@link ListenerLimits#applyTo}); this class adds
 * what it does not: the connection cap, the request-head deadline, the header count, the request
 * framing rules of RFC 9112 §6.1/§6.3 and a well-formed path. Every refusal goes to a {@link
 * RejectionLog} (counted, logged at most once per reason per interval, never a stack trace).
 *
 * <p>Refusals, each with the connection closed after the answer:
 *
 * <ul>
 *   <li>request line over {@code maxInitialLineBytes}: 414 ({@link #URI_TOO_LONG});
 *   <li>header fields over {@code maxHeaderBytes}: 431 ({@link #HEADER_TOO_LARGE});
 *   <li>more than {@code maxHeaders} header fields: 431 ({@link #TOO_MANY_HEADERS});
 *   <li>{@code Transfer-Encoding} together with {@code Content-Length}, any {@code
 *       Transfer-Encoding} other than exactly {@code chunked}, or one on HTTP/1.0: 400 ({@link
 *       #BAD_FRAMING});
 *   <li>a path with a {@code %} not followed by two hex digits: 400 ({@link #BAD_PATH});
 *   <li>any other head Netty cannot parse: 400 ({@link #MALFORMED});
 *   <li>a connection beyond {@code maxConnections}: closed unanswered ({@link
 *       #TOO_MANY_CONNECTIONS});
 *   <li>no complete request head within {@code headTimeoutSeconds} of opening: closed unanswered
 *       ({@link #HEAD_TIMEOUT}).
 * </ul>
 *
 * Failures of an established connection (an invalid chunk size in a body, a reset) are counted as
 * {@link #CONNECTION_ERROR} instead of reaching Vert.x's default handler, which logs a stack trace.
 */
public final class HardenedHttpServer {

  public static final String TOO_MANY_CONNECTIONS = "too_many_connections";
  public static final String HEAD_TIMEOUT = "head_timeout";
  public static final String URI_TOO_LONG = "uri_too_long";
  public static final String HEADER_TOO_LARGE = "header_too_large";
  public static final String TOO_MANY_HEADERS = "too_many_headers";
  public static final String BAD_FRAMING = "bad_framing";
  public static final String BAD_PATH = "bad_path";
  public static final String MALFORMED = "malformed";
  public static final String CONNECTION_ERROR = "connection_error";

  /** Every reason this class reports, so metrics can export them from start-up at 0. */
  public static final List<String> REASONS =
      List.of(
          TOO_MANY_CONNECTIONS,
          HEAD_TIMEOUT,
          URI_TOO_LONG,
          HEADER_TOO_LARGE,
          TOO_MANY_HEADERS,
          BAD_FRAMING,
          BAD_PATH,
          MALFORMED,
          CONNECTION_ERROR);

  private static final CharSequence CLOSE = HttpHeaders.createOptimized("close");
  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
  private static final CharSequence NO_STORE = HttpHeaders.createOptimized("no-store");

  private final Vertx vertx;
  private final ListenerLimits limits;
  private final RejectionLog rejections;
  private final Handler<HttpServerRequest> next;
  private final AtomicInteger open;
  private final Map<HttpConnection, Watch> watched = new ConcurrentHashMap<>();
  private volatile Throwable lastInvalidCause;

  private HardenedHttpServer(
      Vertx vertx,
      ListenerLimits limits,
      RejectionLog rejections,
      Handler<HttpServerRequest> next,
      AtomicInteger open) {
    this.open = open;
    this.vertx = vertx;
    this.limits = new ListenerLimits(limits);
    this.rejections = rejections;
    this.next = next;
  }

  /**
   * A server with {@code options} (host, port, ...) overlaid by {@code limits}, serving {@code
   * handler} behind the checks above. Call {@code listen()} on it.
   */
  public static HttpServer create(
      Vertx vertx,
      HttpServerOptions options,
      ListenerLimits limits,
      RejectionLog rejections,
      Handler<HttpServerRequest> handler) {
    return create(vertx, options, limits, rejections, handler, null, false);
  }

  /**
   * {@link #create(Vertx, HttpServerOptions, ListenerLimits, RejectionLog, Handler)}, counted in
   * {@code stats} (may be null).
   *
   * @param smallAnswers every answer is small and written at once (token, health, metrics): the
   *     idle timeout then counts only what the client sends. Vert.x's all-idle timeout turns each
   *     write's void promise into a real one with a listener; a read-only timeout does not, and
   *     closes the same connections (idle keep-alive, a stalled request), since such a listener
   *     never streams a long answer to a silent client. Not for proxies.
   */
  public static HttpServer create(
      Vertx vertx,
      HttpServerOptions options,
      ListenerLimits limits,
      RejectionLog rejections,
      Handler<HttpServerRequest> handler,
      ListenerStats stats,
      boolean smallAnswers) {
    return create(
        vertx, options, limits, rejections, handler, stats, smallAnswers, new AtomicInteger());
  }

  /**
   * As {@link #create(Vertx, HttpServerOptions, ListenerLimits, RejectionLog, Handler)}, counting
   * open connections in {@code openConnections}: servers sharing one port on several event loops
   * (verticle instances) pass the same counter, so {@code maxConnections} holds for the listener.
   */
  public static HttpServer create(
      Vertx vertx,
      HttpServerOptions options,
      ListenerLimits limits,
      RejectionLog rejections,
      Handler<HttpServerRequest> handler,
      AtomicInteger openConnections) {
    return create(vertx, options, limits, rejections, handler, null, false, openConnections);
  }

  /**
   * The general form: {@code stats} may be null; {@code smallAnswers} as in {@link #create(Vertx,
   * HttpServerOptions, ListenerLimits, RejectionLog, Handler, ListenerStats, boolean)}; {@code
   * openConnections} shared by every server of one listener.
   */
  public static HttpServer create(
      Vertx vertx,
      HttpServerOptions options,
      ListenerLimits limits,
      RejectionLog rejections,
      Handler<HttpServerRequest> handler,
      ListenerStats stats,
      boolean smallAnswers,
      AtomicInteger openConnections) {
    HttpServerOptions applied = limits.applyTo(new HttpServerOptions(options));
    if (smallAnswers) {
      applied.setIdleTimeout(0).setReadIdleTimeout(limits.getIdleTimeoutSeconds());
    }
    HardenedHttpServer h =
        new HardenedHttpServer(vertx, limits, rejections, handler, openConnections);
    if (stats != null) {
      stats.add(h);
    }
    return vertx
        .createHttpServer(applied)
        .connectionHandler(h::connected)
        .invalidRequestHandler(h::invalid)
        .exceptionHandler(h::exception)
        .requestHandler(h::request);
  }

  /** Per-connection state for the head deadline; confined to the connection's event loop. */
  private final class Watch {
    final HttpConnection conn;
    long timer = -1;
    HttpServerRequest current;
    boolean active;

    Watch(HttpConnection conn) {
      this.conn = conn;
    }

    void tick() {
      HttpServerRequest req = current;
      if (req != null && !req.response().ended()) {
        active = true; // a request in progress; the idle timeout covers a stalled one
        return;
      }
      if (active) {
        active = false; // a head arrived since the last tick; the next has until the next tick
        return;
      }
      if (req == null) {
        rejections.reject(
            HEAD_TIMEOUT,
            "no complete request head within " + limits.getHeadTimeoutSeconds() + " s");
      }
      // else: a keep-alive connection left idle, closed quietly
      conn.close();
    }
  }

  private void connected(HttpConnection conn) {
    int now = open.incrementAndGet();
    Watch watch = new Watch(conn);
    conn.closeHandler(
        v -> {
          open.decrementAndGet();
          if (watch.timer >= 0) {
            vertx.cancelTimer(watch.timer);
          }
          watched.remove(conn);
        });
    if (now > limits.getMaxConnections()) {
      rejections.reject(
          TOO_MANY_CONNECTIONS, "more than " + limits.getMaxConnections() + " open connections");
      conn.close();
      return;
    }
    watched.put(conn, watch);
    long period = limits.getHeadTimeoutSeconds() * 1000L;
    watch.timer = vertx.setPeriodic(period, period, id -> watch.tick());
  }

  /** Open connections right now (accepted, not yet closed). */
  int openConnections() {
    return open.get();
  }

  /** Requests whose head arrived and whose response has not ended: see {@link ListenerStats}. */
  int activeRequests() {
    int n = 0;
    for (Watch w : watched.values()) {
      HttpServerRequest req = w.current;
      if (req != null && !req.response().ended()) {
        n++;
      }
    }
    return n;
  }

  private void exception(Throwable t) {
    if (t != lastInvalidCause) { // a head failure is reported to both handlers: count it once
      rejections.reject(CONNECTION_ERROR, RejectionLog.describe(t));
    }
  }

  private void invalid(HttpServerRequest req) {
    Throwable cause = req.decoderResult().cause();
    lastInvalidCause = cause;
    String reason;
    if (cause instanceof PrematureChannelClosureException) {
      return; // the client closed mid-head: counted once, by the exception handler
    } else if (cause instanceof TooLongHttpLineException) {
      reason = URI_TOO_LONG;
    } else if (cause instanceof TooLongHttpHeaderException) {
      reason = HEADER_TOO_LARGE;
    } else if (isFraming(cause)) {
      reason = BAD_FRAMING;
    } else {
      reason = MALFORMED;
    }
    rejections.reject(reason, RejectionLog.describe(cause));
    req.response().putHeader(HttpHeaders.CONNECTION, CLOSE);
    // Vert.x's own answer: 414, 431 or 400, then close.
    HttpServerRequest.DEFAULT_INVALID_REQUEST_HANDLER.handle(req);
  }

  private static boolean isFraming(Throwable cause) {
    String m = cause == null ? null : cause.getMessage();
    return m != null && (m.contains("Transfer-Encoding") || m.contains("Content-Length"));
  }

  private void request(HttpServerRequest req) {
    Watch watch = watched.get(req.connection());
    if (watch != null) {
      watch.current = req;
      watch.active = true;
    }
    MultiMap headers = req.headers();
    if (tooManyHeaders(headers)) {
      refuse(req, 431, TOO_MANY_HEADERS, "more than " + limits.getMaxHeaders() + " header fields");
      return;
    }
    if (headers.contains(HttpHeaders.TRANSFER_ENCODING) && !plainChunked(headers)) {
      refuse(req, 400, BAD_FRAMING, "Transfer-Encoding must be chunked, without Content-Length");
      return;
    }
    if (!wellFormedPath(req.path())) {
      refuse(req, 400, BAD_PATH, "malformed percent-encoding in the path");
      return;
    }
    next.handle(req);
  }

  /** Counts the fields in place (HTTP/1: Netty's entries, without a String per name and value). */
  private boolean tooManyHeaders(MultiMap headers) {
    int max = limits.getMaxHeaders();
    int n = 0;
    Iterator<?> it =
        headers instanceof io.netty.handler.codec.http.HttpHeaders netty
            ? netty.iteratorCharSequence()
            : headers.iterator();
    while (it.hasNext()) {
      it.next();
      if (++n > max) {
        return true;
      }
    }
    return false;
  }

  /** One {@code Transfer-Encoding} field naming exactly {@code chunked}, and no length. */
  private static boolean plainChunked(MultiMap headers) {
    if (headers.contains(HttpHeaders.CONTENT_LENGTH)) {
      return false;
    }
    List<String> all = headers.getAll(HttpHeaders.TRANSFER_ENCODING);
    return all.size() == 1 && "chunked".equalsIgnoreCase(all.get(0).trim());
  }

  /** Every {@code %} followed by two hex digits (what {@code normalizedPath()} can decode). */
  static boolean wellFormedPath(String path) {
    if (path == null) {
      return false;
    }
    int n = path.length();
    for (int i = 0; i < n; i++) {
      if (path.charAt(i) == '%') {
        if (i + 2 >= n || !hex(path.charAt(i + 1)) || !hex(path.charAt(i + 2))) {
          return false;
        }
        i += 2;
      }
    }
    return true;
  }

  private static boolean hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  private void refuse(HttpServerRequest req, int status, String reason, String description) {
    rejections.reject(reason, null);
    HttpConnection conn = req.connection();
    HttpServerResponse resp = req.response();
    resp.setStatusCode(status)
        .putHeader(HttpHeaders.CONNECTION, CLOSE)
        .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
        .putHeader(HttpHeaders.CACHE_CONTROL, NO_STORE)
        .end("{\"error\":\"invalid_request\",\"error_description\":\"" + description + "\"}")
        .onComplete(ar -> conn.close());
  }
}
