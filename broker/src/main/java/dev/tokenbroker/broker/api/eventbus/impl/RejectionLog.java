package dev.tokenbroker.broker.api.eventbus.impl;

import dev.tokenbroker.broker.api.eventbus.TcpBridge;
import dev.tokenbroker.broker.api.eventbus.impl.BridgeFault.Kind;
import dev.tokenbroker.broker.metrics.BrokerMetrics;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Counts every refusal and logs at most one line per kind and {@link #INTERVAL_MILLIS}, with the
 * number left unlogged since, so a flood of hostile frames costs one line a minute and no stack
 * traces. Confined to the bridge's context.
 */
final class RejectionLog {

  static final long INTERVAL_MILLIS = 60_000;

  private static final Logger LOG = Logger.getLogger(TcpBridge.class.getName());

  private final BrokerMetrics metrics;
  private final Clock clock;
  private final Map<Kind, long[]> state = new EnumMap<>(Kind.class);

  RejectionLog(BrokerMetrics metrics, Clock clock) {
    this.metrics = metrics;
    this.clock = clock;
  }

  void record(BridgeFault fault, String peer) {
    Kind kind = fault.kind();
    metrics.rejected(kind.reason());
    long now = clock.millis();
    long[] s = state.computeIfAbsent(kind, k -> new long[] {Long.MIN_VALUE, 0});
    if (now < s[0]) {
      s[1]++;
      return;
    }
    long unlogged = s[1];
    s[0] = now + INTERVAL_MILLIS;
    s[1] = 0;
    LOG.log(
        kind == Kind.IDLE_TIMEOUT ? Level.INFO : Level.WARNING,
        "TCP bridge: "
            + (kind.closes() ? "closed " : "refused a frame from ")
            + peer
            + ": "
            + kind.code()
            + ": "
            + fault.getMessage()
            + (unlogged > 0 ? " (" + unlogged + " more of this kind since the last report)" : "")
            + "; at most one line per kind and minute, all counted in"
            + " token_broker_rejected_requests_total{reason=\""
            + kind.reason()
            + "\"}");
  }
}
