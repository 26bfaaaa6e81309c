package dev.tokenbroker.broker.config;

import dev.tokenbroker.common.config.ConfigException;
import dev.tokenbroker.common.config.ConfigLoader;
import dev.tokenbroker.common.config.ConfigReader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The whole broker configuration, validated on construction: a bad value throws {@link
 * ConfigException} naming the field. {@link #toJson()} and {@link #toString()} redact secrets.
 */
public final class BrokerOptions {

  private final HttpOptions http;
  private final IdpOptions idp;
  private final Map<String, IdpOptions> clients;
  private final TcpBridgeOptions tcpBridge;
  private final List<TokenEntryOptions> tokens;
  private final CacheOptions cache;
  private final RetryOptions retry;
  private final ManagementOptions management;
  private final ShutdownOptions shutdown;
  private final List<ProxyOptions> proxies;
  private final List<LocalClientOptions> localClients;
  private final ClusterOptions cluster;

  public BrokerOptions(JsonObject json) {
    ConfigReader r = new ConfigReader("", json);
    r.rejectUnknown(
        Set.of(
            "http",
            "idp",
            "clients",
            "eventBus",
            "tokens",
            "cache",
            "retry",
            "management",
            "shutdown",
            "proxies",
            "localClients",
            "cluster"));
    this.idp = r.has("idp") ? new IdpOptions(r.object("idp")) : null;
    this.clients = clients(json, idp);
    this.http = new HttpOptions(r.object("http"));
    this.management = r.has("management") ? new ManagementOptions(r.object("management")) : null;
    if (management != null
        && management.port() != 0
        && http.tcpEnabled()
        && management.port() == http.port()) {
      throw new ConfigException("management.port", "must differ from http.port");
    }
    this.shutdown = new ShutdownOptions(r.object("shutdown"));
    ConfigReader eventBus = r.object("eventBus");
    eventBus.rejectUnknown(Set.of("tcpBridge"));
    this.tcpBridge = new TcpBridgeOptions(eventBus.object("tcpBridge"));
    List<TokenEntryOptions> entries = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (ConfigReader t : r.objects("tokens")) {
      TokenEntryOptions entry = new TokenEntryOptions(t);
      if (!clients.containsKey(entry.client())) {
        String known = String.join(", ", clients.keySet());
        throw new ConfigException(
            t.path("client"),
            entry.client().equals(TokenEntryOptions.DEFAULT_CLIENT)
                ? "required without an idp block (clients: " + known + ")"
                : "unknown client \"" + entry.client() + "\" (known: " + known + ")");
      }
      if (!seen.add(entry.client() + " " + entry.audience() + " " + entry.scopes())) {
        throw new ConfigException(
            t.path("audience"), "duplicate entry for the same client, audience and scopes");
      }
      entries.add(entry);
    }
    if (entries.isEmpty()) {
      throw new ConfigException("tokens", "at least one entry is required");
    }
    this.tokens = List.copyOf(entries);
    this.localClients = LocalClientOptions.readAll(r, tokens, http);
    this.cache = new CacheOptions(r.object("cache"));
    this.retry = new RetryOptions(r.object("retry"));
    long prefetched = tokens.stream().filter(TokenEntryOptions::prefetch).count();
    if (prefetched > cache.maxKeys()) {
      throw new ConfigException(
          "cache.maxKeys", "smaller than the number of prefetched tokens (" + prefetched + ")");
    }
    this.proxies = readProxies(r);
    this.cluster = new ClusterOptions(r.object("cluster"));
  }

  /**
   * The named clients, the {@code idp} block first as {@value TokenEntryOptions#DEFAULT_CLIENT}.
   * {@code idp} may be absent when {@code clients} is given.
   */
  private static Map<String, IdpOptions> clients(JsonObject json, IdpOptions idp) {
    Map<String, IdpOptions> out = new LinkedHashMap<>();
    if (idp != null) {
      out.put(TokenEntryOptions.DEFAULT_CLIENT, idp);
    }
    Object value = json.getValue("clients");
    if (value != null && !(value instanceof JsonObject)) {
      throw new ConfigException("clients", "must be a mapping of client names to idp blocks");
    }
    if (value instanceof JsonObject named) {
      for (String name : named.fieldNames()) {
        if (!TokenEntryOptions.validClientName(name)) {
          throw new ConfigException(
              "clients",
              "invalid name "
                  + io.vertx.core.json.Json.encode(name)
                  + ": "
                  + TokenEntryOptions.CLIENT_NAME_RULE);
        }
        String path = "clients." + name;
        if (idp != null && name.equals(TokenEntryOptions.DEFAULT_CLIENT)) {
          throw new ConfigException(
              path, "the idp block is the client named default: give one or the other");
        }
        if (!(named.getValue(name) instanceof JsonObject block)) {
          throw new ConfigException(path, "must be a mapping (the same keys as idp)");
        }
        out.put(name, new IdpOptions(new ConfigReader(path, block)));
      }
    }
    if (out.isEmpty()) {
      throw new ConfigException("idp", "required (or at least one entry in clients)");
    }
    return Collections.unmodifiableMap(out);
  }

  /** {@code proxies}: each allowed by {@code tokens}, on its own port, with a unique name. */
  private List<ProxyOptions> readProxies(ConfigReader r) {
    List<ProxyOptions> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    Set<Integer> ports = new HashSet<>();
    if (http.tcpEnabled() && http.port() != 0) {
      ports.add(http.port());
    }
    if (management != null && management.port() != 0) {
      ports.add(management.port());
    }
    for (ConfigReader p : r.objects("proxies")) {
      ProxyOptions proxy = new ProxyOptions(p);
      proxy.requireAllowedBy(tokens);
      if (proxy.client() != null && !clients.containsKey(proxy.client())) {
        throw new ConfigException(p.path("client"), "no such client");
      }
      if (!names.add(proxy.name())) {
        throw new ConfigException(p.path("name"), "duplicate proxy name");
      }
      if (proxy.port() != 0 && !ports.add(proxy.port())) {
        throw new ConfigException(p.path("port"), "already used by another listener");
      }
      out.add(proxy);
    }
    return List.copyOf(out);
  }

  /** Loads and validates a YAML file, interpolating {@code ${VAR}} from {@code env}. */
  public static BrokerOptions load(Path file, Function<String, String> env) {
    return new BrokerOptions(ConfigLoader.load(file, env));
  }

  public HttpOptions http() {
    return http;
  }

  /**
   * The {@code idp} block (the client named {@code default}), or null when only {@code clients}.
   */
  public IdpOptions idp() {
    return idp;
  }

  /**
   * Every client by name, in configuration order: the {@code idp} block first as {@value
   * TokenEntryOptions#DEFAULT_CLIENT}, then the {@code clients} entries. Never empty.
   */
  public Map<String, IdpOptions> clients() {
    return clients;
  }

  public TcpBridgeOptions tcpBridge() {
    return tcpBridge;
  }

  public List<TokenEntryOptions> tokens() {
    return tokens;
  }

  public CacheOptions cache() {
    return cache;
  }

  public RetryOptions retry() {
    return retry;
  }

  /** The management listener, or null to serve health, metrics and dashboard on http. */
  public ManagementOptions management() {
    return management;
  }

  public ShutdownOptions shutdown() {
    return shutdown;
  }

  /** The token-injecting proxies ({@code proxies}); empty when none are configured. */
  public List<ProxyOptions> proxies() {
    return proxies;
  }

  /** The co-located callers' own credentials and policy; empty: the drop-in endpoint is off. */
  public List<LocalClientOptions> localClients() {
    return localClients;
  }

  /** Fleet mode; {@link ClusterOptions#enabled()} false by default. */
  public ClusterOptions cluster() {
    return cluster;
  }

  public JsonObject toJson() {
    JsonArray t = new JsonArray();
    tokens.forEach(e -> t.add(e.toJson()));
    return new JsonObject()
        .put("http", http.toJson())
        .put("idp", idp == null ? null : idp.toJson())
        .put("clients", namedClientsJson())
        .put("eventBus", new JsonObject().put("tcpBridge", tcpBridge.toJson()))
        .put("tokens", t)
        .put("cache", cache.toJson())
        .put("retry", retry.toJson())
        .put("management", management == null ? null : management.toJson())
        .put("shutdown", shutdown.toJson())
        .put("proxies", new JsonArray(proxies.stream().map(ProxyOptions::toJson).toList()))
        .put("localClients", new JsonArray(localClients.stream().map(c -> c.toJson()).toList()))
        .put("cluster", cluster.toJson());
  }

  private JsonObject namedClientsJson() {
    JsonObject named = new JsonObject();
    clients.forEach(
        (name, c) -> {
          if (c != idp) {
            named.put(name, c.toJson());
          }
        });
    return named;
  }

  @Override
  public String toString() {
    return toJson().encode();
  }
}
