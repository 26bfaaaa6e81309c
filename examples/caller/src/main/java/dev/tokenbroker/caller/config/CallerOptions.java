package dev.tokenbroker.caller.config;

import dev.tokenbroker.common.config.ConfigException;
import dev.tokenbroker.common.config.ConfigLoader;
import dev.tokenbroker.common.config.ConfigReader;
import dev.tokenbroker.common.http.ListenerLimits;
import dev.tokenbroker.common.net.HttpUrls;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The caller's configuration: where it listens, the broker's drop-in token endpoint and the local
 * client credentials it authenticates with there (an entry of the broker's {@code localClients},
 * never the upstream IdP secret), the audience and scopes it asks for, and the students-rs URL it
 * calls. Built from YAML by {@link #load}; {@link #validate()} fails at start-up naming the field.
 * The client secret is redacted in {@link #toJson()} and {@link #toString()}.
 */
public class CallerOptions {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 4008;
  public static final String DEFAULT_TOKEN_PATH = "/oauth/token";
  public static final String DEFAULT_AUTH_METHOD = "client_secret_basic";
  public static final List<String> DEFAULT_SCOPES = List.of("read:students");
  public static final int DEFAULT_TIMEOUT_MS = 5000;
  public static final int DEFAULT_MAX_CONNECTIONS = 64;
  public static final List<String> AUTH_METHODS =
      List.of("client_secret_basic", "client_secret_post");

  private static final String REDACTED = "(redacted)";

  private String host = DEFAULT_HOST;
  private int port = DEFAULT_PORT;
  private ListenerLimits limits = new ListenerLimits(DEFAULT_MAX_CONNECTIONS);
  private String brokerUrl;
  private String tokenPath = DEFAULT_TOKEN_PATH;
  private String clientId;
  private String clientSecret;
  private String clientSecretFile;
  private String authMethod = DEFAULT_AUTH_METHOD;
  private String audience;
  private List<String> scopes = new ArrayList<>(DEFAULT_SCOPES);
  private String studentsUrl;
  private int timeoutMs = DEFAULT_TIMEOUT_MS;

  public CallerOptions() {}

  public CallerOptions(CallerOptions other) {
    host = other.host;
    port = other.port;
    limits = new ListenerLimits(other.limits);
    brokerUrl = other.brokerUrl;
    tokenPath = other.tokenPath;
    clientId = other.clientId;
    clientSecret = other.clientSecret;
    clientSecretFile = other.clientSecretFile;
    authMethod = other.authMethod;
    audience = other.audience;
    scopes = new ArrayList<>(other.scopes);
    studentsUrl = other.studentsUrl;
    timeoutMs = other.timeoutMs;
  }

  /** Reads the configuration tree; a wrong type or an unknown key throws naming it. */
  public CallerOptions(JsonObject json) {
    ConfigReader r = ConfigReader.root(json);
    ConfigReader http = r.child("http");
    host = http.string("host", DEFAULT_HOST);
    port = http.integer("port", DEFAULT_PORT);
    limits = ListenerLimits.read(http.object("limits"), DEFAULT_MAX_CONNECTIONS);
    http.rejectUnknownKeys();
    ConfigReader broker = r.child("broker");
    brokerUrl = broker.string("url", null);
    tokenPath = broker.string("tokenPath", DEFAULT_TOKEN_PATH);
    clientId = broker.string("clientId", null);
    clientSecret = broker.string("clientSecret", null);
    clientSecretFile = broker.string("clientSecretFile", null);
    authMethod = broker.string("authMethod", DEFAULT_AUTH_METHOD);
    broker.rejectUnknownKeys();
    audience = r.string("audience", null);
    scopes = new ArrayList<>(r.strings("scopes", DEFAULT_SCOPES));
    ConfigReader students = r.child("students");
    studentsUrl = students.string("url", null);
    students.rejectUnknownKeys();
    timeoutMs = r.integer("timeoutMs", DEFAULT_TIMEOUT_MS);
    r.rejectUnknownKeys();
  }

  /**
   * Loads the YAML file (environment references interpolated), reads {@code
   * broker.clientSecretFile} if set, and validates; throws {@link ConfigException} naming the
   * field.
   */
  public static CallerOptions load(Path file, Map<String, String> env) {
    CallerOptions options = new CallerOptions(ConfigLoader.load(file, env::get));
    if (options.clientSecretFile != null && options.clientSecret == null) {
      try {
        options.clientSecret =
            Files.readString(Path.of(options.clientSecretFile), StandardCharsets.UTF_8).trim();
      } catch (IOException | RuntimeException e) {
        throw new ConfigException(
            "broker.clientSecretFile", "cannot read (" + e.getClass().getSimpleName() + ")");
      }
      options.clientSecretFile = null;
    }
    return options.validate();
  }

  /** Fails naming the first invalid field. */
  public CallerOptions validate() {
    if (host == null || host.isBlank()) {
      throw new ConfigException("http.host", "required");
    }
    if (port < 0 || port > 65535) {
      throw new ConfigException("http.port", "must be between 0 and 65535");
    }
    limits.validate((key, problem) -> new ConfigException("http.limits." + key, problem));
    HttpUrls.require("broker.url", brokerUrl, false);
    if (tokenPath == null || !tokenPath.startsWith("/") || tokenPath.contains("?")) {
      throw new ConfigException("broker.tokenPath", "must be a path starting with /");
    }
    if (clientId == null || clientId.isBlank()) {
      throw new ConfigException("broker.clientId", "required");
    }
    if (clientSecret != null && clientSecretFile != null) {
      throw new ConfigException("broker.clientSecret", "give clientSecret or clientSecretFile");
    }
    if ((clientSecret == null || clientSecret.isBlank()) && clientSecretFile == null) {
      throw new ConfigException("broker.clientSecret", "required (or broker.clientSecretFile)");
    }
    if (!AUTH_METHODS.contains(authMethod)) {
      throw new ConfigException("broker.authMethod", "must be one of " + AUTH_METHODS);
    }
    if (audience == null || audience.isBlank()) {
      throw new ConfigException("audience", "required");
    }
    for (int i = 0; i < scopes.size(); i++) {
      if (!scopes.get(i).matches("[!#-\\[\\]-~]+")) {
        throw new ConfigException("scopes[" + i + "]", "must be a scope token without spaces");
      }
    }
    HttpUrls.require("students.url", studentsUrl, false);
    if (timeoutMs < 100 || timeoutMs > 120_000) {
      throw new ConfigException("timeoutMs", "must be between 100 and 120000");
    }
    return this;
  }

  /** The configuration as YAML keys, with the client secret redacted. */
  public JsonObject toJson() {
    return new JsonObject()
        .put(
            "http",
            new JsonObject().put("host", host).put("port", port).put("limits", limits.toJson()))
        .put(
            "broker",
            new JsonObject()
                .put("url", brokerUrl)
                .put("tokenPath", tokenPath)
                .put("clientId", clientId)
                .put("clientSecret", clientSecret == null ? null : REDACTED)
                .put("clientSecretFile", clientSecretFile)
                .put("authMethod", authMethod))
        .put("audience", audience)
        .put("scopes", new JsonArray(new ArrayList<>(scopes)))
        .put("students", new JsonObject().put("url", studentsUrl))
        .put("timeoutMs", timeoutMs);
  }

  @Override
  public String toString() {
    return toJson().encode();
  }

  public String getHost() {
    return host;
  }

  public CallerOptions setHost(String host) {
    this.host = host;
    return this;
  }

  /** The port to listen on; 0 picks a free one. */
  public int getPort() {
    return port;
  }

  public CallerOptions setPort(int port) {
    this.port = port;
    return this;
  }

  public ListenerLimits getLimits() {
    return limits;
  }

  /** The broker's base URL ({@code site} of {@code OAuth2Options}), e.g. http://127.0.0.1:4004. */
  public String getBrokerUrl() {
    return brokerUrl;
  }

  public CallerOptions setBrokerUrl(String brokerUrl) {
    this.brokerUrl = brokerUrl;
    return this;
  }

  public String getTokenPath() {
    return tokenPath;
  }

  public CallerOptions setTokenPath(String tokenPath) {
    this.tokenPath = tokenPath;
    return this;
  }

  /** The local client id: an entry of the broker's {@code localClients}. */
  public String getClientId() {
    return clientId;
  }

  public CallerOptions setClientId(String clientId) {
    this.clientId = clientId;
    return this;
  }

  public String getClientSecret() {
    return clientSecret;
  }

  public CallerOptions setClientSecret(String clientSecret) {
    this.clientSecret = clientSecret;
    return this;
  }

  public String getAuthMethod() {
    return authMethod;
  }

  public CallerOptions setAuthMethod(String authMethod) {
    this.authMethod = authMethod;
    return this;
  }

  public String getAudience() {
    return audience;
  }

  public CallerOptions setAudience(String audience) {
    this.audience = audience;
    return this;
  }

  public List<String> getScopes() {
    return scopes;
  }

  public CallerOptions setScopes(List<String> scopes) {
    this.scopes = new ArrayList<>(scopes);
    return this;
  }

  /** The full URL of students-rs' {@code GET /students}. */
  public String getStudentsUrl() {
    return studentsUrl;
  }

  public CallerOptions setStudentsUrl(String studentsUrl) {
    this.studentsUrl = studentsUrl;
    return this;
  }

  /** Per step: the token request and the students call each get this long. */
  public int getTimeoutMs() {
    return timeoutMs;
  }

  public CallerOptions setTimeoutMs(int timeoutMs) {
    this.timeoutMs = timeoutMs;
    return this;
  }
}
