package dev.tokenbroker.broker.config;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * A file the broker reads while running (the client secret; later keys and certificates), re-read
 * when its content changes. Reading follows symlinks, so the Kubernetes layout works: the kubelet
 * writes a new {@code ..2026_...} folder and swaps the {@code ..data} symlink, and {@code secret ->
 * ..data/secret} then resolves to the new file. A change is recognised by the SHA-256 of the
 * content, which also catches an in-place write.
 *
 * <p>The value in use only changes when the new content was read and parsed; an unreadable, empty
 * or unparsable file keeps the old value, and is logged by path and reason only, never content.
 * File I/O runs on a worker thread; {@link #check()} and {@link #watch} are called on one context
 * (the owner's event loop), which confines the bookkeeping; {@link #current()} may be read from any
 * thread.
 *
 * @param <T> the parsed value
 */
public final class ReloadableFile<T> {

  private static final Logger LOG = Logger.getLogger(ReloadableFile.class.getName());

  private final Vertx vertx;
  private final Path path;
  private final String what;
  private final Function<byte[], T> parser;
  private volatile T current;
  private volatile long generation;
  private volatile byte[] digest;
  private Future<Boolean> checking;
  private long timer = -1;

  /**
   * @param what what the file holds, for log lines ({@code "client secret"})
   * @param parser turns the content into a value; throws (without the content in its message) when
   *     it is not usable
   * @param initial the value read at start-up, in use until the first check reads the file
   */
  public ReloadableFile(
      Vertx vertx, Path path, String what, Function<byte[], T> parser, T initial) {
    this.vertx = vertx;
    this.path = path;
    this.what = what;
    this.parser = parser;
    this.current = initial;
  }

  /** The value in use. */
  public T current() {
    return current;
  }

  /** Incremented each time a new value is taken into use. */
  public long generation() {
    return generation;
  }

  /**
   * Reads the file now (once at a time: concurrent callers share the read) and takes a changed,
   * usable content into use.
   *
   * @return true when a new value is in use; a failed read completes with false
   */
  public Future<Boolean> check() {
    if (checking != null) {
      return checking;
    }
    Future<Boolean> f =
        vertx
            .executeBlocking(
                () -> {
                  byte[] content = Files.readAllBytes(path);
                  byte[] d = sha256(content);
                  if (digest != null && MessageDigest.isEqual(d, digest)) {
                    return null;
                  }
                  return new Read<>(d, parser.apply(content));
                })
            .map(
                read -> {
                  if (read == null) {
                    return false;
                  }
                  boolean first = digest == null;
                  digest = read.digest;
                  current = read.value;
                  if (first) {
                    return false;
                  }
                  generation++;
                  LOG.info(what + " file " + path + " changed: the new " + what + " is in use");
                  return true;
                })
            .recover(
                t -> {
                  LOG.warning(
                      "cannot read the "
                          + what
                          + " file "
                          + path
                          + " (the previous "
                          + what
                          + " stays in use): "
                          + t.getClass().getSimpleName()
                          + (t instanceof IllegalArgumentException ? ": " + t.getMessage() : ""));
                  return Future.succeededFuture(false);
                })
            .eventually(() -> clearChecking());
    checking = f.isComplete() ? null : f;
    return f;
  }

  private Future<Void> clearChecking() {
    checking = null;
    return Future.succeededFuture();
  }

  /** Reads the file now to learn its content, then every {@code periodMillis}. */
  public ReloadableFile<T> watch(long periodMillis) {
    check();
    timer = vertx.setPeriodic(periodMillis, id -> check());
    return this;
  }

  public void close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private record Read<T>(byte[] digest, T value) {}

  private static byte[] sha256(byte[] content) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(content);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
