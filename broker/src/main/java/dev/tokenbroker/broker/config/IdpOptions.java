package dev.tokenbroker.broker.config;

import dev.tokenbroker.common.config.ConfigException;
import dev.tokenbroker.common.config.ConfigReader;
import dev.tokenbroker.common.net.HttpUrls;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/** The identity provider and how the broker authenticates to it. */
public final class IdpOptions {

  /** How the client authenticates at the token endpoint (RFC 6749 §2.3.1). */
  public enum AuthMethod {
    CLIENT_SECRET_BASIC,
    CLIENT_SECRET_POST;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Which form parameter carries the audience. */
  public enum AudienceParameter {
    /** {@code audience=...} (Auth0, Okta). */
    AUDIENCE,
    /** {@code resource=...} (RFC 8707 resource indicators). */
    RESOURCE,
    /** Not sent: the IdP derives the audience itself (for example a Keycloak audience mapper). */
    NONE;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** What to do when a JWT access token's {@code aud} lacks the requested audience. */
  public enum AudienceCheck {
    ENFORCE,
    WARN;
  }

  public static final AuthMethod DEFAULT_AUTH_METHOD = AuthMethod.CLIENT_SECRET_BASIC;
  public static final AudienceParameter DEFAULT_AUDIENCE_PARAMETER = AudienceParameter.AUDIENCE;
  public static final AudienceCheck DEFAULT_AUDIENCE_CHECK = AudienceCheck.ENFORCE;
  public static final long DEFAULT_REQUEST_TIMEOUT_MILLIS = 5_000;
  public static final long DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
  public static final long DEFAULT_CLOCK_SKEW_THRESHOLD_SECONDS = 30;
  public static final boolean DEFAULT_ALLOW_HTTP = false;
  public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 8;
  public static final long DEFAULT_SECRET_RELOAD_SECONDS = 10;

  private final URI issuer;
  private final URI tokenEndpoint;
  private final String clientId;
  private final Secret clientSecret;
  private final String clientSecretFile;
  private final AuthMethod authMethod;
  private final AudienceParameter audienceParameter;
  private final AudienceCheck audienceCheck;
  private final long requestTimeoutMillis;
  private final int maxResponseBytes;
  private final long clockSkewThresholdSeconds;
  private final boolean allowHttp;
  private final int maxConcurrentRequests;
  private final long secretReloadSeconds;

  public IdpOptions(ConfigReader r) {
    r.rejectUnknown(
        Set.of(
            "issuer",
            "tokenEndpoint",
            "clientId",
            "clientSecret",
            "clientSecretFile",
            "authMethod",
            "audienceParameter",
            "audienceCheck",
            "requestTimeoutMillis",
            "maxResponseBytes",
            "clockSkewThresholdSeconds",
            "allowHttp",
            "maxConcurrentRequests",
            "secretReloadSeconds"));
    this.allowHttp = r.bool("allowHttp", DEFAULT_ALLOW_HTTP);
    this.issuer = url(r, "issuer");
    this.tokenEndpoint = url(r, "tokenEndpoint");
    if (issuer == null && tokenEndpoint == null) {
      throw new ConfigException(
          r.path("tokenEndpoint"), "either idp.issuer or idp.tokenEndpoint is required");
    }
    this.clientId = r.requiredString("clientId");
    if (clientId.length() > 1024 || !TokenEntryOptions.printable(clientId)) {
      throw new ConfigException(
          r.path("clientId"), "must be printable and at most 1024 characters");
    }
    String secret = r.string("clientSecret", null);
    this.clientSecretFile = r.string("clientSecretFile", null);
    if (secret != null && clientSecretFile != null) {
      throw new ConfigException(
          r.path("clientSecret"), "give clientSecret or clientSecretFile, not both");
    }
    if (clientSecretFile != null) {
      secret = readSecretFile(r.path("clientSecretFile"), clientSecretFile);
    }
    if (secret == null || secret.isEmpty()) {
      throw new ConfigException(r.path("clientSecret"), "required (or idp.clientSecretFile)");
    }
    this.clientSecret = Secret.of(secret);
    this.authMethod = enumValue(r, "authMethod", AuthMethod.class, DEFAULT_AUTH_METHOD);
    this.audienceParameter =
        enumValue(r, "audienceParameter", AudienceParameter.class, DEFAULT_AUDIENCE_PARAMETER);
    this.audienceCheck = enumValue(r, "audienceCheck", AudienceCheck.class, DEFAULT_AUDIENCE_CHECK);
    this.requestTimeoutMillis =
        r.integer("requestTimeoutMillis", DEFAULT_REQUEST_TIMEOUT_MILLIS, 100, 120_000);
    this.maxResponseBytes =
        (int) r.integer("maxResponseBytes", DEFAULT_MAX_RESPONSE_BYTES, 1024, 16 * 1024 * 1024);
    this.clockSkewThresholdSeconds =
        r.integer("clockSkewThresholdSeconds", DEFAULT_CLOCK_SKEW_THRESHOLD_SECONDS, 1, 86_400);
    this.maxConcurrentRequests =
        (int) r.integer("maxConcurrentRequests", DEFAULT_MAX_CONCURRENT_REQUESTS, 1, 256);
    this.secretReloadSeconds =
        r.integer("secretReloadSeconds", DEFAULT_SECRET_RELOAD_SECONDS, 1, 86_400);
  }

  private URI url(ConfigReader r, String key) {
    String s = r.string(key, null);
    if (s == null || s.isBlank()) {
      return null;
    }
    String problem = HttpUrls.problem(s, allowHttp);
    if (problem != null) {
      throw new ConfigException(
          r.path(key),
          problem.startsWith("plain http") ? problem + " (or set idp.allowHttp: true)" : problem);
    }
    return URI.create(s.trim());
  }

  private static String readSecretFile(String field, String file) {
    try {
      return Secret.fromFileContent(Files.readAllBytes(Path.of(file))).reveal();
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(field, "cannot read the secret file " + file);
    }
  }

  private static <E extends Enum<E>> E enumValue(ConfigReader r, String key, Class<E> type, E def) {
    String s = r.string(key, null);
    if (s == null) {
      return def;
    }
    for (E e : type.getEnumConstants()) {
      if (e.name().equalsIgnoreCase(s.trim())) {
        return e;
      }
    }
    StringBuilder allowed = new StringBuilder();
    for (E e : type.getEnumConstants()) {
      allowed.append(allowed.length() == 0 ? "" : " | ").append(e.name().toLowerCase(Locale.ROOT));
    }
    throw new ConfigException(r.path(key), "must be one of " + allowed);
  }

  /** The issuer, or null when only a token endpoint is configured. */
  public URI issuer() {
    return issuer;
  }

  /** The configured token endpoint, or null to use discovery. */
  public URI tokenEndpoint() {
    return tokenEndpoint;
  }

  public String clientId() {
    return clientId;
  }

  /** The client secret as read at start-up (see {@link #clientSecretFile()} for rotation). */
  public Secret clientSecret() {
    return clientSecret;
  }

  /** The file the secret comes from, re-read while running, or null. */
  public Path clientSecretFile() {
    return clientSecretFile == null ? null : Path.of(clientSecretFile);
  }

  /** How often {@link #clientSecretFile()} is checked for a new secret. */
  public long secretReloadSeconds() {
    return secretReloadSeconds;
  }

  public AuthMethod authMethod() {
    return authMethod;
  }

  public AudienceParameter audienceParameter() {
    return audienceParameter;
  }

  public AudienceCheck audienceCheck() {
    return audienceCheck;
  }

  public long requestTimeoutMillis() {
    return requestTimeoutMillis;
  }

  public int maxResponseBytes() {
    return maxResponseBytes;
  }

  /** Connections to the IdP, and background fetches the cache runs at once. */
  public int maxConcurrentRequests() {
    return maxConcurrentRequests;
  }

  /** Plain http allowed for non-loopback IdP URLs, configured or discovered. */
  public boolean allowHttp() {
    return allowHttp;
  }

  public long clockSkewThresholdSeconds() {
    return clockSkewThresholdSeconds;
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("issuer", issuer == null ? null : issuer.toString())
        .put("tokenEndpoint", tokenEndpoint == null ? null : tokenEndpoint.toString())
        .put("clientId", clientId)
        .put("clientSecret", Secret.REDACTED)
        .put("clientSecretFile", clientSecretFile)
        .put("authMethod", authMethod.wireName())
        .put("audienceParameter", audienceParameter.wireName())
        .put("audienceCheck", audienceCheck.name().toLowerCase(Locale.ROOT))
        .put("requestTimeoutMillis", requestTimeoutMillis)
        .put("maxResponseBytes", maxResponseBytes)
        .put("clockSkewThresholdSeconds", clockSkewThresholdSeconds)
        .put("allowHttp", allowHttp)
        .put("maxConcurrentRequests", maxConcurrentRequests)
        .put("secretReloadSeconds", secretReloadSeconds);
  }

  @Override
  public String toString() {
    return toJson().encode();
  }
}
