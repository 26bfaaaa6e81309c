package dev.tokenbroker.e2e;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Repeats an asynchronous probe on a Vert.x timer until its result satisfies a condition. */
final class Poll {

  private Poll() {}

  /**
   * Runs {@code probe} every {@code interval} until a result passes {@code done}, and completes
   * with that result; fails with a {@link TimeoutException} naming the last result or failure once
   * {@code timeout} has passed.
   */
  static <T> Future<T> until(
      Vertx vertx,
      Supplier<Future<T>> probe,
      Predicate<? super T> done,
      Duration interval,
      Duration timeout) {
    Promise<T> promise = Promise.promise();
    long deadline = System.nanoTime() + timeout.toNanos();
    attempt(vertx, probe, done, interval, deadline, timeout, promise);
    return promise.future();
  }

  private static <T> void attempt(
      Vertx vertx,
      Supplier<Future<T>> probe,
      Predicate<? super T> done,
      Duration interval,
      long deadline,
      Duration timeout,
      Promise<T> promise) {
    probe
        .get()
        .onComplete(
            ar -> {
              if (ar.succeeded() && done.test(ar.result())) {
                promise.complete(ar.result());
              } else if (System.nanoTime() - deadline > 0) {
                String last = ar.succeeded() ? String.valueOf(ar.result()) : ar.cause().toString();
                promise.fail(
                    new TimeoutException(
                        "condition not met within " + timeout.toSeconds() + " s; last: " + last));
              } else {
                vertx.setTimer(
                    interval.toMillis(),
                    id -> attempt(vertx, probe, done, interval, deadline, timeout, promise));
              }
            });
  }
}
