package dev.tokenbroker.broker.config;

import dev.tokenbroker.common.config.ConfigException;
import dev.tokenbroker.common.config.ConfigLoader;
import dev.tokenbroker.common.config.ConfigReader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The whole broker configuration, validated on construction: a bad value throws {@link
 * ConfigException} naming the field. {@link #toJson()} and {@link #toString()} redact secrets.
 */
public final class BrokerOptions {

  private final HttpOptions http;
  private final IdpOptions idp;
  private final TcpBridgeOptions tcpBridge;
  private final List<TokenEntryOptions> tokens;
  private final CacheOptions cache;
  private final RetryOptions retry;
  private final ManagementOptions management;
  private final ShutdownOptions shutdown;
  private final List<LocalClientOptions> localClients;

  public BrokerOptions(JsonObject json) {
    ConfigReader r = new ConfigReader("", json);
    r.rejectUnknown(
        Set.of(
            "http",
            "idp",
            "eventBus",
            "tokens",
            "cache",
            "retry",
            "management",
            "shutdown",
            "localClients"));
    if (!r.has("idp")) {
      throw new ConfigException("idp", "required");
    }
    this.http = new HttpOptions(r.object("http"));
    this.idp = new IdpOptions(r.object("idp"));
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
      if (!seen.add(entry.audience() + " " + entry.scopes())) {
        throw new ConfigException(
            t.path("audience"), "duplicate entry for the same audience and scopes");
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
  }

  /** Loads and validates a YAML file, interpolating {@code ${VAR}} from {@code env}. */
  public static BrokerOptions load(Path file, Function<String, String> env) {
    return new BrokerOptions(ConfigLoader.load(file, env));
  }

  public HttpOptions http() {
    return http;
  }

  public IdpOptions idp() {
    return idp;
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

  /** The co-located callers' own credentials and policy; empty: the drop-in endpoint is off. */
  public List<LocalClientOptions> localClients() {
    return localClients;
  }

  public JsonObject toJson() {
    JsonArray t = new JsonArray();
    tokens.forEach(e -> t.add(e.toJson()));
    return new JsonObject()
        .put("http", http.toJson())
        .put("idp", idp.toJson())
        .put("eventBus", new JsonObject().put("tcpBridge", tcpBridge.toJson()))
        .put("tokens", t)
        .put("cache", cache.toJson())
        .put("retry", retry.toJson())
        .put("management", management == null ? null : management.toJson())
        .put("shutdown", shutdown.toJson())
        .put("localClients", new JsonArray(localClients.stream().map(c -> c.toJson()).toList()));
  }

  @Override
  public String toString() {
    return toJson().encode();
  }
}
