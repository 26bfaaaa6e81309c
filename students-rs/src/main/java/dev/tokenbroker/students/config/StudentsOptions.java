package dev.tokenbroker.students.config;

import dev.tokenbroker.common.config.ConfigException;
import dev.tokenbroker.common.config.ConfigLoader;
import dev.tokenbroker.common.config.ConfigReader;
import dev.tokenbroker.common.http.ListenerLimits;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The whole configuration of the students resource server: where it listens, which scope {@code GET
 * /students} needs, the request guards (rate limit, body limit, CORS) and, in {@link #getToken()},
 * how access tokens are validated. Built from YAML by {@link #load}; {@link #validate()} fails at
 * start-up naming the field.
 *
 * <p>{@link #isAuthEnabled()} exists only so that a benchmark can measure the cost of token
 * validation. It must never be {@code false} in production: {@code GET /students} then answers
 * without any token.
 */
public class StudentsOptions {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 4006;
  public static final String DEFAULT_REQUIRED_SCOPE = "read:students";
  public static final boolean DEFAULT_AUTH_ENABLED = true;
  public static final int DEFAULT_MAX_BODY_BYTES = 1024;
  public static final int DEFAULT_REQUESTS_PER_SECOND = 0;

  /** The largest {@code http.instances}. */
  public static final int MAX_INSTANCES = 64;

  /**
   * Connections held at once. students-rs may sit behind a reverse proxy that pools upstream
   * connections, or face many clients: 1024 leaves room for both and bounds idle-connection floods
   * (at the default file-descriptor limit of 1024 per process it would be reached first; raise
   * {@code ulimit -n} with it).
   */
  public static final int DEFAULT_MAX_CONNECTIONS = 1024;

  private String host = DEFAULT_HOST;
  private int port = DEFAULT_PORT;
  private int instances = defaultInstances();
  private String requiredScope = DEFAULT_REQUIRED_SCOPE;
  private boolean authEnabled = DEFAULT_AUTH_ENABLED;
  private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
  private int requestsPerSecond = DEFAULT_REQUESTS_PER_SECOND;
  private List<String> corsAllowedOrigins = new ArrayList<>();
  private TokenValidatorOptions token = new TokenValidatorOptions();
  private ListenerLimits limits = new ListenerLimits(DEFAULT_MAX_CONNECTIONS);

  public StudentsOptions() {}

  public StudentsOptions(StudentsOptions other) {
    this.host = other.host;
    this.port = other.port;
    this.instances = other.instances;
    this.requiredScope = other.requiredScope;
    this.authEnabled = other.authEnabled;
    this.maxBodyBytes = other.maxBodyBytes;
    this.requestsPerSecond = other.requestsPerSecond;
    this.corsAllowedOrigins = new ArrayList<>(other.corsAllowedOrigins);
    this.token = new TokenValidatorOptions(other.token);
    this.limits = new ListenerLimits(other.limits);
  }

  /**
   * Reads the configuration tree (as produced by {@link ConfigLoader}); a wrong type or an unknown
   * key throws {@link ConfigException} naming it.
   */
  public StudentsOptions(JsonObject json) {
    ConfigReader r = ConfigReader.root(json);
    ConfigReader http = r.child("http");
    host = http.string("host", DEFAULT_HOST);
    port = http.integer("port", DEFAULT_PORT);
    instances = http.integer("instances", defaultInstances());
    limits = ListenerLimits.read(http.object("limits"), DEFAULT_MAX_CONNECTIONS);
    http.rejectUnknownKeys();
    requiredScope = r.string("requiredScope", DEFAULT_REQUIRED_SCOPE);
    authEnabled = r.bool("authEnabled", DEFAULT_AUTH_ENABLED);
    maxBodyBytes = r.integer("maxBodyBytes", DEFAULT_MAX_BODY_BYTES);
    ConfigReader rate = r.child("rateLimit");
    requestsPerSecond = rate.integer("requestsPerSecond", DEFAULT_REQUESTS_PER_SECOND);
    rate.rejectUnknownKeys();
    ConfigReader cors = r.child("cors");
    corsAllowedOrigins = new ArrayList<>(cors.strings("allowedOrigins", List.of()));
    cors.rejectUnknownKeys();
    token = new TokenValidatorOptions().read(r);
    r.rejectUnknownKeys();
  }

  /**
   * Loads the YAML file (environment references interpolated, see {@link ConfigLoader}), reads and
   * validates it; throws {@link ConfigException} naming the field.
   */
  public static StudentsOptions load(Path file, Map<String, String> env) {
    return new StudentsOptions(ConfigLoader.load(file, env::get)).validate();
  }

  public JsonObject toJson() {
    return token
        .toJson()
        .put(
            "http",
            new JsonObject()
                .put("host", host)
                .put("port", port)
                .put("instances", instances)
                .put("limits", limits.toJson()))
        .put("requiredScope", requiredScope)
        .put("authEnabled", authEnabled)
        .put("maxBodyBytes", maxBodyBytes)
        .put("rateLimit", new JsonObject().put("requestsPerSecond", requestsPerSecond))
        .put(
            "cors",
            new JsonObject()
                .put("allowedOrigins", new JsonArray(new ArrayList<>(corsAllowedOrigins))));
  }

  /**
   * Fails naming the first invalid field. The token section is only checked when authentication is
   * enabled.
   */
  public StudentsOptions validate() {
    if (host == null || host.isBlank()) {
      throw new ConfigException("http.host", "required");
    }
    if (port < 0 || port > 65535) {
      throw new ConfigException("http.port", "must be between 0 and 65535");
    }
    if (instances < 1 || instances > MAX_INSTANCES) {
      throw new ConfigException("http.instances", "must be between 1 and " + MAX_INSTANCES);
    }
    limits.validate((key, problem) -> new ConfigException("http.limits." + key, problem));
    if (requiredScope == null
        || requiredScope.isBlank()
        || !requiredScope.matches("[!#-\\[\\]-~]+")) {
      throw new ConfigException(
          "requiredScope", "must be one scope token without spaces or quotes");
    }
    if (maxBodyBytes < 0 || maxBodyBytes > 1024 * 1024) {
      throw new ConfigException("maxBodyBytes", "must be between 0 and 1048576");
    }
    if (requestsPerSecond < 0) {
      throw new ConfigException("rateLimit.requestsPerSecond", "must not be negative");
    }
    for (int i = 0; i < corsAllowedOrigins.size(); i++) {
      checkOrigin("cors.allowedOrigins[" + i + "]", corsAllowedOrigins.get(i));
    }
    if (authEnabled) {
      token.validate();
    }
    return this;
  }

  private static void checkOrigin(String field, String origin) {
    if ("*".equals(origin)) {
      throw new ConfigException(field, "list origins explicitly, '*' is not accepted");
    }
    try {
      URI uri = new URI(origin);
      boolean plain = uri.getRawPath() == null || uri.getRawPath().isEmpty();
      if (uri.getScheme() == null || uri.getHost() == null || !plain || uri.getRawQuery() != null) {
        throw new ConfigException(field, "must be an origin like https://app.example.com");
      }
    } catch (URISyntaxException e) {
      throw new ConfigException(field, "must be an origin like https://app.example.com");
    }
  }

  public String getHost() {
    return host;
  }

  public StudentsOptions setHost(String host) {
    this.host = host;
    return this;
  }

  /** The port to listen on; 0 picks a free port (see {@code StudentsVerticle.actualPort()}). */
  public int getPort() {
    return port;
  }

  public StudentsOptions setPort(int port) {
    this.port = port;
    return this;
  }

  /**
   * The default of {@link #getInstances()}: the processors this JVM may use ({@link
   * Runtime#availableProcessors()}, which follows {@code taskset} and container CPU limits), at
   * most {@link #MAX_INSTANCES}.
   */
  public static int defaultInstances() {
    return Math.max(1, Math.min(MAX_INSTANCES, Runtime.getRuntime().availableProcessors()));
  }

  /**
   * HTTP server instances, each on an event loop of its own, sharing the port (Vert.x hands new
   * connections to them in turn). They share one token validator, key source, rate limit,
   * connection cap and metrics registry.
   */
  public int getInstances() {
    return instances;
  }

  public StudentsOptions setInstances(int instances) {
    this.instances = instances;
    return this;
  }

  public String getRequiredScope() {
    return requiredScope;
  }

  public StudentsOptions setRequiredScope(String requiredScope) {
    this.requiredScope = requiredScope;
    return this;
  }

  /** Benchmarks only: {@code false} serves {@code /students} without checking any token. */
  public boolean isAuthEnabled() {
    return authEnabled;
  }

  public StudentsOptions setAuthEnabled(boolean authEnabled) {
    this.authEnabled = authEnabled;
    return this;
  }

  public int getMaxBodyBytes() {
    return maxBodyBytes;
  }

  public StudentsOptions setMaxBodyBytes(int maxBodyBytes) {
    this.maxBodyBytes = maxBodyBytes;
    return this;
  }

  /** Requests per second admitted to {@code /students} (one shared bucket); 0 means no limit. */
  public int getRequestsPerSecond() {
    return requestsPerSecond;
  }

  public StudentsOptions setRequestsPerSecond(int requestsPerSecond) {
    this.requestsPerSecond = requestsPerSecond;
    return this;
  }

  /** Browser origins allowed by CORS; empty (the default) sends no CORS headers at all. */
  public List<String> getCorsAllowedOrigins() {
    return new ArrayList<>(corsAllowedOrigins);
  }

  public StudentsOptions setCorsAllowedOrigins(List<String> corsAllowedOrigins) {
    this.corsAllowedOrigins = new ArrayList<>(corsAllowedOrigins);
    return this;
  }

  /**
   * Connection and request-head limits of the listener. {@code maxHeaderBytes} is raised to {@code
   * maxTokenBytes + 8192} when smaller, so that a token of the allowed size always fits.
   */
  public ListenerLimits getLimits() {
    return new ListenerLimits(limits);
  }

  public StudentsOptions setLimits(ListenerLimits limits) {
    this.limits = new ListenerLimits(limits);
    return this;
  }

  public TokenValidatorOptions getToken() {
    return token;
  }

  public StudentsOptions setToken(TokenValidatorOptions token) {
    this.token = token;
    return this;
  }

  @Override
  public String toString() {
    return toJson().encode();
  }
}
