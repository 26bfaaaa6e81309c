package dev.tokenbroker.common.http;

import dev.tokenbroker.common.config.ConfigException;
import dev.tokenbroker.common.config.ConfigReader;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * How much one HTTP listener lets a client hold: connections, time to send a request head, idle
 * time, and the size of a request head. Applied by {@link HardenedHttpServer}; every limit has a
 * default sized for a localhost sidecar, except {@link #getMaxConnections()}, whose default each
 * service chooses (see {@link #ListenerLimits(int)}).
 *
 * <p>What a client sees when it crosses a limit:
 *
 * <ul>
 *   <li>{@code maxConnections}: a connection beyond it is accepted and closed at once, before it is
 *       read (the connections already open are not disturbed);
 *   <li>{@code headTimeoutSeconds}: a connection that has not completed a request head within this
 *       time after opening is closed without an answer (slowloris). Later heads on a keep-alive
 *       connection get the same deadline, measured from the previous request, so an idle keep-alive
 *       connection is closed after one to two times this;
 *   <li>{@code idleTimeoutSeconds}: a connection that moves no byte for this long is closed;
 *   <li>{@code maxInitialLineBytes}: a longer request line is answered 414 and the connection
 *       closed;
 *   <li>{@code maxHeaderBytes}: larger header fields (all of them together) are answered 431 and
 *       the connection closed;
 *   <li>{@code maxHeaders}: more header fields are answered 431 and the connection closed;
 *   <li>{@code h2c}: HTTP/2 over cleartext (upgrade or prior knowledge) is accepted only when true.
 * </ul>
 */
public final class ListenerLimits {

  public static final int DEFAULT_HEAD_TIMEOUT_SECONDS = 10;
  public static final int DEFAULT_IDLE_TIMEOUT_SECONDS = 60;
  public static final int DEFAULT_MAX_HEADER_BYTES = 16 * 1024;
  public static final int DEFAULT_MAX_HEADERS = 64;
  public static final int DEFAULT_MAX_INITIAL_LINE_BYTES = 16 * 1024;
  public static final boolean DEFAULT_H2C = false;

  /** The keys of the {@code http.limits} configuration section, in documentation order. */
  public static final String[] KEYS = {
    "maxConnections",
    "headTimeoutSeconds",
    "idleTimeoutSeconds",
    "maxHeaderBytes",
    "maxHeaders",
    "maxInitialLineBytes",
    "h2c"
  };

  private int maxConnections;
  private int headTimeoutSeconds = DEFAULT_HEAD_TIMEOUT_SECONDS;
  private int idleTimeoutSeconds = DEFAULT_IDLE_TIMEOUT_SECONDS;
  private int maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES;
  private int maxHeaders = DEFAULT_MAX_HEADERS;
  private int maxInitialLineBytes = DEFAULT_MAX_INITIAL_LINE_BYTES;
  private boolean h2c = DEFAULT_H2C;

  /**
   * Reads a {@code limits} configuration section (keys {@link #KEYS}, each range-checked), with
   * {@code defaultMaxConnections} when absent; a bad value is a {@link ConfigException} naming the
   * field.
   */
  public static ListenerLimits read(ConfigReader r, int defaultMaxConnections) {
    r.rejectUnknown(Set.of(KEYS));
    ListenerLimits d = new ListenerLimits(defaultMaxConnections);
    return new ListenerLimits(defaultMaxConnections)
        .setMaxConnections((int) r.integer("maxConnections", d.getMaxConnections(), 1, 1_000_000))
        .setHeadTimeoutSeconds(
            (int) r.integer("headTimeoutSeconds", d.getHeadTimeoutSeconds(), 1, 3600))
        .setIdleTimeoutSeconds(
            (int) r.integer("idleTimeoutSeconds", d.getIdleTimeoutSeconds(), 1, 86_400))
        .setMaxHeaderBytes((int) r.integer("maxHeaderBytes", d.getMaxHeaderBytes(), 1024, 1 << 20))
        .setMaxHeaders((int) r.integer("maxHeaders", d.getMaxHeaders(), 8, 10_000))
        .setMaxInitialLineBytes(
            (int) r.integer("maxInitialLineBytes", d.getMaxInitialLineBytes(), 256, 1 << 20))
        .setH2c(r.bool("h2c", d.isH2c()))
        .validate((key, problem) -> new ConfigException(r.path(key), problem));
  }

  /** Defaults, with {@code maxConnections} chosen by the service. */
  public ListenerLimits(int defaultMaxConnections) {
    this.maxConnections = defaultMaxConnections;
  }

  public ListenerLimits(ListenerLimits other) {
    this.maxConnections = other.maxConnections;
    this.headTimeoutSeconds = other.headTimeoutSeconds;
    this.idleTimeoutSeconds = other.idleTimeoutSeconds;
    this.maxHeaderBytes = other.maxHeaderBytes;
    this.maxHeaders = other.maxHeaders;
    this.maxInitialLineBytes = other.maxInitialLineBytes;
    this.h2c = other.h2c;
  }

  /**
   * Fails on the first invalid field, with {@code failure.apply(key, problem)} (the caller prefixes
   * the key with its section, e.g. {@code http.limits.}, and picks its exception type).
   */
  public ListenerLimits validate(BiFunction<String, String, ? extends RuntimeException> failure) {
    check(maxConnections, 1, 1_000_000, "maxConnections", failure);
    check(headTimeoutSeconds, 1, 3600, "headTimeoutSeconds", failure);
    check(idleTimeoutSeconds, 1, 86_400, "idleTimeoutSeconds", failure);
    check(maxHeaderBytes, 1024, 1024 * 1024, "maxHeaderBytes", failure);
    check(maxHeaders, 8, 10_000, "maxHeaders", failure);
    check(maxInitialLineBytes, 256, 1024 * 1024, "maxInitialLineBytes", failure);
    return this;
  }

  private static void check(
      int value,
      int min,
      int max,
      String key,
      BiFunction<String, String, ? extends RuntimeException> failure) {
    if (value < min || value > max) {
      throw failure.apply(key, "must be between " + min + " and " + max);
    }
  }

  /** Sets the limits {@link HttpServerOptions} itself enforces; returns {@code options}. */
  public HttpServerOptions applyTo(HttpServerOptions options) {
    return options
        .setMaxInitialLineLength(maxInitialLineBytes)
        .setMaxHeaderSize(maxHeaderBytes)
        .setIdleTimeout(idleTimeoutSeconds)
        .setIdleTimeoutUnit(TimeUnit.SECONDS)
        .setHttp2ClearTextEnabled(h2c);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("maxConnections", maxConnections)
        .put("headTimeoutSeconds", headTimeoutSeconds)
        .put("idleTimeoutSeconds", idleTimeoutSeconds)
        .put("maxHeaderBytes", maxHeaderBytes)
        .put("maxHeaders", maxHeaders)
        .put("maxInitialLineBytes", maxInitialLineBytes)
        .put("h2c", h2c);
  }

  @Override
  public String toString() {
    return toJson().encode();
  }

  /** Open connections beyond this are closed as they arrive. */
  public int getMaxConnections() {
    return maxConnections;
  }

  public ListenerLimits setMaxConnections(int maxConnections) {
    this.maxConnections = maxConnections;
    return this;
  }

  /** Deadline for a complete request head (slowloris). */
  public int getHeadTimeoutSeconds() {
    return headTimeoutSeconds;
  }

  public ListenerLimits setHeadTimeoutSeconds(int headTimeoutSeconds) {
    this.headTimeoutSeconds = headTimeoutSeconds;
    return this;
  }

  /** A connection moving no byte this long is closed. */
  public int getIdleTimeoutSeconds() {
    return idleTimeoutSeconds;
  }

  public ListenerLimits setIdleTimeoutSeconds(int idleTimeoutSeconds) {
    this.idleTimeoutSeconds = idleTimeoutSeconds;
    return this;
  }

  /** All header fields of a request together, in bytes (431 beyond). */
  public int getMaxHeaderBytes() {
    return maxHeaderBytes;
  }

  public ListenerLimits setMaxHeaderBytes(int maxHeaderBytes) {
    this.maxHeaderBytes = maxHeaderBytes;
    return this;
  }

  /** Header fields per request (431 beyond). */
  public int getMaxHeaders() {
    return maxHeaders;
  }

  public ListenerLimits setMaxHeaders(int maxHeaders) {
    this.maxHeaders = maxHeaders;
    return this;
  }

  /** The request line ({@code GET /path?query HTTP/1.1}), in bytes (414 beyond). */
  public int getMaxInitialLineBytes() {
    return maxInitialLineBytes;
  }

  public ListenerLimits setMaxInitialLineBytes(int maxInitialLineBytes) {
    this.maxInitialLineBytes = maxInitialLineBytes;
    return this;
  }

  /** HTTP/2 over cleartext accepted. */
  public boolean isH2c() {
    return h2c;
  }

  public ListenerLimits setH2c(boolean h2c) {
    this.h2c = h2c;
    return this;
  }
}
