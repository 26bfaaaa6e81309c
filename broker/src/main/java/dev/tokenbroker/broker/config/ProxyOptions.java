package dev.tokenbroker.broker.config;

import dev.tokenbroker.common.config.ConfigException;
import dev.tokenbroker.common.config.ConfigReader;
import dev.tokenbroker.common.http.ListenerLimits;
import dev.tokenbroker.common.net.HttpUrls;
import dev.tokenbroker.common.net.Loopback;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * One {@code proxies} entry: a local listener whose every request goes to one fixed {@code
 * upstream} with {@code Authorization: Bearer <token>} for {@code audience}/{@code scopes}
 * injected. The upstream is an absolute {@code https} URL (plain {@code http} only on loopback
 * unless {@code allowHttpUpstream}), without user info, query or fragment; a path is a prefix put
 * before every forwarded path. The listener binds to loopback unless {@code
 * allowNonLoopbackClients}: whoever reaches it acts with this workload's identity.
 */
public final class ProxyOptions {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final boolean DEFAULT_ALLOW_HTTP_UPSTREAM = false;
  public static final boolean DEFAULT_ALLOW_NON_LOOPBACK_CLIENTS = false;
  public static final int DEFAULT_CONNECT_TIMEOUT_MILLIS = 5_000;
  public static final int DEFAULT_MAX_CONNECTIONS = 256;
  public static final int DEFAULT_UPSTREAM_MAX_CONNECTIONS = 32;

  static final Set<String> KEYS =
      Set.of(
          "name",
          "host",
          "port",
          "upstream",
          "audience",
          "scopes",
          "client",
          "allowHttpUpstream",
          "allowNonLoopbackClients",
          "trustFile",
          "connectTimeoutMillis",
          "upstreamMaxConnections",
          "limits");

  private final String name;
  private final String host;
  private final int port;
  private final URI upstream;
  private final String audience;
  private final List<String> scopes;
  private final String client;
  private final boolean allowHttpUpstream;
  private final boolean allowNonLoopbackClients;
  private final Path trustFile;
  private final int connectTimeoutMillis;
  private final int upstreamMaxConnections;
  private final ListenerLimits limits;
  private final String path;

  public ProxyOptions(ConfigReader r) {
    r.rejectUnknown(KEYS);
    String a = r.path("audience");
    this.path = a.substring(0, a.length() - ".audience".length());
    this.host = r.string("host", DEFAULT_HOST);
    if (host.isBlank()) {
      throw new ConfigException(r.path("host"), "must not be empty");
    }
    this.port = (int) r.integer("port", -1, 0, 65535);
    if (port < 0) {
      throw new ConfigException(r.path("port"), "required");
    }
    this.name = r.string("name", Integer.toString(port));
    if (name.isBlank() || name.length() > 64 || !TokenEntryOptions.printable(name)) {
      throw new ConfigException(r.path("name"), "must be printable and at most 64 characters");
    }
    this.allowNonLoopbackClients =
        r.bool("allowNonLoopbackClients", DEFAULT_ALLOW_NON_LOOPBACK_CLIENTS);
    if (!allowNonLoopbackClients && !Loopback.isLoopbackHost(host)) {
      throw new ConfigException(
          r.path("host"),
          "must be a loopback address unless allowNonLoopbackClients is true (anyone who reaches"
              + " the proxy acts with this workload's identity)");
    }
    this.allowHttpUpstream = r.bool("allowHttpUpstream", DEFAULT_ALLOW_HTTP_UPSTREAM);
    String url = r.string("upstream", null);
    this.upstream = HttpUrls.require(r.path("upstream"), url, allowHttpUpstream);
    if (upstream.getRawQuery() != null) {
      throw new ConfigException(r.path("upstream"), "must not contain a query");
    }
    this.audience = r.requiredString("audience");
    TreeSet<String> sorted = new TreeSet<>();
    for (String s : r.strings("scopes")) {
      if (!TokenEntryOptions.validScopeToken(s)) {
        throw new ConfigException(r.path("scopes"), "invalid scope token (RFC 6749 §3.3)");
      }
      sorted.add(s);
    }
    this.scopes = List.copyOf(sorted);
    this.client = r.string("client", null);
    String trust = r.string("trustFile", null);
    this.trustFile = trust == null ? null : Path.of(trust);
    if (trustFile != null && !https()) {
      throw new ConfigException(r.path("trustFile"), "only for an https upstream");
    }
    this.connectTimeoutMillis =
        (int) r.integer("connectTimeoutMillis", DEFAULT_CONNECT_TIMEOUT_MILLIS, 1, 600_000);
    this.upstreamMaxConnections =
        (int) r.integer("upstreamMaxConnections", DEFAULT_UPSTREAM_MAX_CONNECTIONS, 1, 10_000);
    this.limits = ListenerLimits.read(r.object("limits"), DEFAULT_MAX_CONNECTIONS);
  }

  /**
   * Fails unless a {@code tokens} entry has this audience and includes every scope (the proxy gets
   * nothing a caller of {@code GET /v1/token} could not).
   */
  void requireAllowedBy(List<TokenEntryOptions> tokens) {
    boolean audienceKnown = false;
    for (TokenEntryOptions e : tokens) {
      if (e.audience().equals(audience)) {
        audienceKnown = true;
        if (e.scopes().containsAll(scopes)) {
          return;
        }
      }
    }
    throw audienceKnown
        ? new ConfigException(path + ".scopes", "not allowed for this audience by tokens")
        : new ConfigException(path + ".audience", "not allowed by tokens");
  }

  /** Where this entry sits in the configuration ({@code proxies[0]}), for error messages. */
  String path() {
    return path;
  }

  /** The metrics label and log name: {@code name}, by default the port. */
  public String name() {
    return name;
  }

  public String host() {
    return host;
  }

  /** The local port, 0 for a free one (the bound port is logged). */
  public int port() {
    return port;
  }

  public URI upstream() {
    return upstream;
  }

  public boolean https() {
    return "https".equals(upstream.getScheme().toLowerCase(Locale.ROOT));
  }

  /** The upstream's host, without IPv6 brackets. */
  public String upstreamHost() {
    String h = upstream.getHost();
    return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
  }

  public int upstreamPort() {
    return upstream.getPort() >= 0 ? upstream.getPort() : https() ? 443 : 80;
  }

  /** The upstream's path without a trailing slash, put before every forwarded path; "" if none. */
  public String upstreamBasePath() {
    String p = upstream.getRawPath();
    if (p == null) {
      return "";
    }
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p;
  }

  public String audience() {
    return audience;
  }

  /** Sorted, de-duplicated; empty for the scopes of the first matching {@code tokens} entry. */
  public List<String> scopes() {
    return scopes;
  }

  /** The named IdP client ({@code clients}) to take the token from; null for the default one. */
  public String client() {
    return client;
  }

  public boolean allowHttpUpstream() {
    return allowHttpUpstream;
  }

  public boolean allowNonLoopbackClients() {
    return allowNonLoopbackClients;
  }

  /** PEM CA certificates trusted for the upstream instead of the JDK's; null for the default. */
  public Path trustFile() {
    return trustFile;
  }

  public int connectTimeoutMillis() {
    return connectTimeoutMillis;
  }

  public int upstreamMaxConnections() {
    return upstreamMaxConnections;
  }

  public ListenerLimits limits() {
    return new ListenerLimits(limits);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("name", name)
        .put("host", host)
        .put("port", port)
        .put("upstream", upstream.toString())
        .put("audience", audience)
        .put("scopes", new JsonArray(scopes))
        .put("client", client)
        .put("allowHttpUpstream", allowHttpUpstream)
        .put("allowNonLoopbackClients", allowNonLoopbackClients)
        .put("trustFile", trustFile == null ? null : trustFile.toString())
        .put("connectTimeoutMillis", connectTimeoutMillis)
        .put("upstreamMaxConnections", upstreamMaxConnections)
        .put("limits", limits.toJson());
  }

  @Override
  public String toString() {
    return toJson().encode();
  }
}
