package dev.tokenbroker.broker.metrics;

import java.util.logging.Filter;
import java.util.logging.Logger;

/**
 * Drops Micrometer's "This Gauge has been already registered (MeterId{name='vertx.…'})" warning,
 * and only that one.
 *
 * <p>The registry is bound to Vert.x once. The warning comes from vertx-micrometer-metrics 5.0
 * itself (vert-x3/vertx-micrometer-metrics#259): it registers the same gauge again for every
 * event-bus handler and every connection ({@code vertx.eventbus.handlers} when the broker's second
 * consumer registers at start, {@code vertx.http.server.active.connections} on the second
 * connection), and Micrometer 1.13+ warns about the ignored registration. The values are right:
 * every registration shares one counter per meter id.
 */
final class DuplicateGaugeWarning {

  private static final Logger MICROMETER =
      Logger.getLogger("io.micrometer.core.instrument.MeterRegistry");

  private DuplicateGaugeWarning() {}

  /** Installs the filter (idempotent); held by the static logger reference above. */
  static synchronized void install() {
    Filter previous = MICROMETER.getFilter();
    if (previous instanceof Only) {
      return;
    }
    MICROMETER.setFilter(new Only(previous));
  }

  private record Only(Filter previous) implements Filter {
    @Override
    public boolean isLoggable(java.util.logging.LogRecord r) {
      String m = r.getMessage();
      if (m != null
          && m.startsWith("This Gauge has been already registered (MeterId{name='vertx.")) {
        return false;
      }
      return previous == null || previous.isLoggable(r);
    }
  }
}
