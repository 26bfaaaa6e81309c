package dev.tokenbroker.broker.idp;

import dev.tokenbroker.broker.config.IdpOptions;
import dev.tokenbroker.broker.config.RetryOptions;
import dev.tokenbroker.broker.config.TokenEntryOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The broker's IdP clients by name ({@code idp} is {@value TokenEntryOptions#DEFAULT_CLIENT}, then
 * the {@code clients} entries), in configuration order. Each is a whole {@link IdpClient} of its
 * own: discovery, client authentication, secret rotation, connection pool and circuit breaker, so
 * one IdP's outage never opens another client's breaker. Immutable.
 */
public final class NamedIdpClients {

  private final Map<String, IdpClient> clients;

  private NamedIdpClients(Map<String, IdpClient> clients) {
    if (clients.isEmpty()) {
      throw new IllegalArgumentException("at least one IdP client is required");
    }
    this.clients = Collections.unmodifiableMap(new LinkedHashMap<>(clients));
  }

  /** One {@link IdpClient#create} per configured client. Call on the context that will use them. */
  public static NamedIdpClients create(
      Vertx vertx, Map<String, IdpOptions> options, RetryOptions retry, Clock clock) {
    Map<String, IdpClient> out = new LinkedHashMap<>();
    options.forEach((name, idp) -> out.put(name, IdpClient.create(vertx, name, idp, retry, clock)));
    return new NamedIdpClients(out);
  }

  /** Clients built elsewhere (tests), by name. */
  public static NamedIdpClients of(Map<String, IdpClient> clients) {
    return new NamedIdpClients(clients);
  }

  /** {@code client} as the only client, named {@value TokenEntryOptions#DEFAULT_CLIENT}. */
  public static NamedIdpClients single(IdpClient client) {
    return new NamedIdpClients(Map.of(TokenEntryOptions.DEFAULT_CLIENT, client));
  }

  /** The client named {@code name}, or null. */
  public IdpClient get(String name) {
    return clients.get(name);
  }

  /** The names, in configuration order. */
  public Set<String> names() {
    return clients.keySet();
  }

  /** Each client's breaker state ({@code closed}, {@code open}, {@code half_open}) by name. */
  public Map<String, String> breakerStates() {
    Map<String, String> out = new LinkedHashMap<>();
    clients.forEach((name, c) -> out.put(name, c.breakerState()));
    return out;
  }

  /**
   * The worst breaker state of all clients ({@code open}, then {@code half_open}, then {@code
   * closed}): with one client, its state.
   */
  public String breakerState() {
    String worst = "closed";
    for (IdpClient c : clients.values()) {
      String s = c.breakerState();
      if ("open".equals(s)) {
        return s;
      }
      if ("half_open".equals(s)) {
        worst = s;
      }
    }
    return worst;
  }

  public Future<Void> close() {
    List<Future<Void>> closing = new ArrayList<>();
    clients.values().forEach(c -> closing.add(c.close()));
    return Future.join(closing).mapEmpty();
  }
}
