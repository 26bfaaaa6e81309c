package dev.tokenbroker.common.http;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Open connections and requests in progress of one or more {@link HardenedHttpServer}s (for example
 * a service's TCP and Unix-socket listeners of the same API), read by metrics instead of Vert.x's
 * per-request HTTP-server meters: the servers already track both, so reading them costs nothing per
 * request.
 */
public final class ListenerStats {

  private final List<HardenedHttpServer> servers = new CopyOnWriteArrayList<>();

  void add(HardenedHttpServer server) {
    servers.add(server);
  }

  /** Connections accepted and not yet closed, over all servers. Any thread. */
  public int openConnections() {
    int n = 0;
    for (HardenedHttpServer s : servers) {
      n += s.openConnections();
    }
    return n;
  }

  /**
   * Requests whose head has arrived and whose response has not ended, over all servers. Exact when
   * called on the servers' event loop (where their connections live); elsewhere a recent value.
   */
  public int activeRequests() {
    int n = 0;
    for (HardenedHttpServer s : servers) {
      n += s.activeRequests();
    }
    return n;
  }
}
