package dev.tokenbroker.students.auth;

import java.util.function.IntSupplier;

/**
 * What the key source reports: fetch outcomes and the number of usable keys. Implemented by the
 * service's metrics; declared here so that {@code auth} does not depend on {@code metrics}.
 */
public interface KeySourceMetrics {

  /** Reports nothing. */
  KeySourceMetrics NONE =
      new KeySourceMetrics() {
        @Override
        public void jwksFetch(boolean succeeded) {}

        @Override
        public Runnable jwksKeys(IntSupplier usableKeys) {
          return () -> {};
        }
      };

  /** One key-set fetch finished. */
  void jwksFetch(boolean succeeded);

  /** Publishes the number of usable keys; the returned action stops publishing it. */
  Runnable jwksKeys(IntSupplier usableKeys);
}
