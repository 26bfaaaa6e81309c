package dev.tokenbroker.broker.api.eventbus.impl;

import dev.tokenbroker.broker.api.eventbus.TcpBridge;
import dev.tokenbroker.broker.api.eventbus.impl.BridgeFault.Kind;
import dev.tokenbroker.broker.metrics.BrokerMetrics;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * The bridge's words for {@code common}'s {@link dev.tokenbroker.common.http.RejectionLog}: every
 * refusal counted in {@code token_broker_rejected_requests_total{reason}}, at most one line per
 * kind and minute (with the number left unlogged since), no stack traces. Time from the bridge's
 * clock, so tests move it.
 */
final class RejectionLog {

  static final long INTERVAL_MILLIS =
      TimeUnit.SECONDS.toMillis(dev.tokenbroker.common.http.RejectionLog.DEFAULT_INTERVAL_SECONDS);

  private final dev.tokenbroker.common.http.RejectionLog log;

  RejectionLog(BrokerMetrics metrics, Clock clock) {
    this.log =
        new dev.tokenbroker.common.http.RejectionLog(
            TcpBridge.class.getName(),
            metrics::rejected,
            () -> TimeUnit.MILLISECONDS.toNanos(clock.millis()),
            dev.tokenbroker.common.http.RejectionLog.DEFAULT_INTERVAL_SECONDS);
  }

  void record(BridgeFault fault, String peer) {
    Kind kind = fault.kind();
    log.reject(
        kind.reason(),
        kind.code(),
        "TCP bridge: "
            + (kind.closes() ? "closed " : "refused a frame from ")
            + peer
            + ": "
            + kind.code()
            + ": "
            + fault.getMessage());
  }
}
