package dev.tokenbroker.broker.idp.impl;

import dev.tokenbroker.broker.config.ReloadableFile;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The credential files of one IdP client (secret, private key, certificate, key, trust), checked
 * together: every {@code periodMillis}, and at once when the IdP rejects the client. {@link
 * #generation()} moves when any of them changes; {@code onChange} then runs on the owner's context
 * (the TLS files rebuild the client's SSL options there), and {@link #check()} completes after it.
 */
final class CredentialFiles {

  private final Vertx vertx;
  private final List<ReloadableFile<?>> files;
  private final Function<CredentialFiles, Future<?>> onChange;
  private long timer = -1;

  CredentialFiles(
      Vertx vertx, List<ReloadableFile<?>> files, Function<CredentialFiles, Future<?>> onChange) {
    this.vertx = vertx;
    this.files = List.copyOf(files);
    this.onChange = onChange;
  }

  boolean isEmpty() {
    return files.isEmpty();
  }

  /** The sum of the files' generations: changes whenever one of them takes a new value. */
  long generation() {
    long g = 0;
    for (ReloadableFile<?> f : files) {
      g += f.generation();
    }
    return g;
  }

  /** Reads every file now; true when one of them changed (then {@code onChange} has run). */
  Future<Boolean> check() {
    List<Future<Boolean>> checks = new ArrayList<>();
    for (ReloadableFile<?> f : files) {
      checks.add(f.check());
    }
    return Future.all(checks)
        .compose(
            all -> {
              boolean changed = false;
              for (int i = 0; i < all.size(); i++) {
                changed |= Boolean.TRUE.equals(all.resultAt(i));
              }
              if (!changed) {
                return Future.succeededFuture(false);
              }
              return onChange.apply(this).transform(ar -> Future.succeededFuture(true));
            });
  }

  /** Reads the files now to learn their content, then every {@code periodMillis}. */
  CredentialFiles watch(long periodMillis) {
    if (!files.isEmpty()) {
      check();
      timer = vertx.setPeriodic(periodMillis, id -> check());
    }
    return this;
  }

  void close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }
}
