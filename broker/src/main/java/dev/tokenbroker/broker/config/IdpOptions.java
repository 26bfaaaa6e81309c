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

  /**
   * How the client authenticates at the token endpoint: RFC 6749 §2.3.1, OIDC Core §9 (the JWT
   * assertions of RFC 7523 §2.2) and RFC 8705 (mutual TLS).
   */
  public enum AuthMethod {
    CLIENT_SECRET_BASIC,
    CLIENT_SECRET_POST,
    /** An HS256 assertion signed with the client secret. */
    CLIENT_SECRET_JWT,
    /** An assertion signed with {@code idp.privateKeyFile}. */
    PRIVATE_KEY_JWT,
    /** A CA-issued client certificate ({@code idp.tls}). */
    TLS_CLIENT_AUTH,
    /** A self-signed client certificate registered with the IdP ({@code idp.tls}). */
    SELF_SIGNED_TLS_CLIENT_AUTH;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** Authenticates with the client secret. */
    public boolean usesSecret() {
      return this == CLIENT_SECRET_BASIC || this == CLIENT_SECRET_POST || this == CLIENT_SECRET_JWT;
    }

    /** Sends a signed JWT ({@code client_assertion}). */
    public boolean usesAssertion() {
      return this == CLIENT_SECRET_JWT || this == PRIVATE_KEY_JWT;
    }

    /** Presents a client certificate. */
    public boolean usesTls() {
      return this == TLS_CLIENT_AUTH || this == SELF_SIGNED_TLS_CLIENT_AUTH;
    }
  }

  /** The {@code aud} of a client assertion. */
  public enum AssertionAudience {
    /** The token endpoint URL the request goes to (RFC 7523 §3, OIDC Core §9). */
    TOKEN_ENDPOINT,
    /** The issuer ({@code idp.issuer}), for IdPs that want it (Auth0). */
    ISSUER;

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
  public static final SigningKey.Algorithm DEFAULT_SIGNING_ALGORITHM = SigningKey.Algorithm.RS256;
  public static final AssertionAudience DEFAULT_ASSERTION_AUDIENCE =
      AssertionAudience.TOKEN_ENDPOINT;

  /** How long a client assertion is valid ({@code exp - iat}). */
  public static final long ASSERTION_LIFETIME_SECONDS = 60;

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
  private final String privateKeyFile;
  private final SigningKey signingKey;
  private final SigningKey.Algorithm signingAlgorithm;
  private final String keyId;
  private final AssertionAudience assertionAudience;
  private final TlsOptions tls;

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
            "secretReloadSeconds",
            "privateKeyFile",
            "signingAlgorithm",
            "keyId",
            "assertionAudience",
            "tls"));
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
    this.authMethod = enumValue(r, "authMethod", AuthMethod.class, DEFAULT_AUTH_METHOD);
    String secret = r.string("clientSecret", null);
    this.clientSecretFile = r.string("clientSecretFile", null);
    if (secret != null && clientSecretFile != null) {
      throw new ConfigException(
          r.path("clientSecret"), "give clientSecret or clientSecretFile, not both");
    }
    if (clientSecretFile != null) {
      secret = readSecretFile(r.path("clientSecretFile"), clientSecretFile);
    }
    if (authMethod.usesSecret() && (secret == null || secret.isEmpty())) {
      throw new ConfigException(
          r.path("clientSecret"),
          "required for " + authMethod.wireName() + " (or idp.clientSecretFile)");
    }
    this.clientSecret = secret == null || secret.isEmpty() ? null : Secret.of(secret);
    this.signingAlgorithm =
        enumValue(r, "signingAlgorithm", SigningKey.Algorithm.class, DEFAULT_SIGNING_ALGORITHM);
    this.keyId = r.string("keyId", null);
    if (keyId != null
        && (keyId.isBlank() || keyId.length() > 256 || !TokenEntryOptions.printable(keyId))) {
      throw new ConfigException(r.path("keyId"), "must be printable and at most 256 characters");
    }
    this.privateKeyFile = r.string("privateKeyFile", null);
    if (authMethod == AuthMethod.PRIVATE_KEY_JWT) {
      if (privateKeyFile == null || privateKeyFile.isBlank()) {
        throw new ConfigException(
            r.path("privateKeyFile"), "required for private_key_jwt (a PEM PKCS#8 key or a JWK)");
      }
      this.signingKey = readSigningKey(r.path("privateKeyFile"), privateKeyFile);
    } else {
      for (String key : new String[] {"privateKeyFile", "signingAlgorithm", "keyId"}) {
        if (r.has(key)) {
          throw new ConfigException(r.path(key), "only used with authMethod: private_key_jwt");
        }
      }
      this.signingKey = null;
    }
    this.assertionAudience =
        enumValue(r, "assertionAudience", AssertionAudience.class, DEFAULT_ASSERTION_AUDIENCE);
    if (r.has("assertionAudience") && !authMethod.usesAssertion()) {
      throw new ConfigException(
          r.path("assertionAudience"),
          "only used with authMethod: private_key_jwt or client_secret_jwt");
    }
    if (assertionAudience == AssertionAudience.ISSUER && issuer == null) {
      throw new ConfigException(r.path("assertionAudience"), "issuer needs idp.issuer");
    }
    if (authMethod.usesTls()) {
      if (!r.has("tls")) {
        throw new ConfigException(
            r.path("tls"), "required for " + authMethod.wireName() + " ({certFile, keyFile})");
      }
      if (tokenEndpoint != null && !"https".equalsIgnoreCase(tokenEndpoint.getScheme())) {
        throw new ConfigException(
            r.path("tokenEndpoint"),
            authMethod.wireName() + " needs an https token endpoint (the certificate goes in TLS)");
      }
      this.tls = new TlsOptions(r.object("tls"));
    } else {
      if (r.has("tls")) {
        throw new ConfigException(
            r.path("tls"),
            "only used with authMethod: tls_client_auth or self_signed_tls_client_auth");
      }
      this.tls = null;
    }
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

  private SigningKey readSigningKey(String field, String file) {
    byte[] content;
    try {
      content = Files.readAllBytes(Path.of(file));
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(field, "cannot read the key file " + file);
    }
    try {
      return SigningKey.parse(content, signingAlgorithm, keyId);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(field, file + ": " + e.getMessage());
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

  /**
   * The client secret as read at start-up (see {@link #clientSecretFile()} for rotation); null when
   * the method needs none and none was given.
   */
  public Secret clientSecret() {
    return clientSecret;
  }

  /** The file the secret comes from, re-read while running, or null. */
  public Path clientSecretFile() {
    return clientSecretFile == null ? null : Path.of(clientSecretFile);
  }

  /**
   * How often {@link #clientSecretFile()}, {@link #privateKeyFile()} and the {@link #tls()} files
   * are checked for new content.
   */
  public long secretReloadSeconds() {
    return secretReloadSeconds;
  }

  /** The private key file of {@code private_key_jwt}, or null. */
  public Path privateKeyFile() {
    return privateKeyFile == null ? null : Path.of(privateKeyFile);
  }

  /** The key read from {@link #privateKeyFile()} at start-up, or null. */
  public SigningKey signingKey() {
    return signingKey;
  }

  public SigningKey.Algorithm signingAlgorithm() {
    return signingAlgorithm;
  }

  /** The configured {@code kid}, or null (then the JWK's kid or the key's thumbprint). */
  public String keyId() {
    return keyId;
  }

  public AssertionAudience assertionAudience() {
    return assertionAudience;
  }

  /** The client certificate for the mTLS methods, or null. */
  public TlsOptions tls() {
    return tls;
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
        .put("clientSecret", clientSecret == null ? null : Secret.REDACTED)
        .put("clientSecretFile", clientSecretFile)
        .put("authMethod", authMethod.wireName())
        .put("audienceParameter", audienceParameter.wireName())
        .put("audienceCheck", audienceCheck.name().toLowerCase(Locale.ROOT))
        .put("requestTimeoutMillis", requestTimeoutMillis)
        .put("maxResponseBytes", maxResponseBytes)
        .put("clockSkewThresholdSeconds", clockSkewThresholdSeconds)
        .put("allowHttp", allowHttp)
        .put("maxConcurrentRequests", maxConcurrentRequests)
        .put("secretReloadSeconds", secretReloadSeconds)
        .put("privateKeyFile", privateKeyFile)
        .put("signingAlgorithm", signingKey == null ? null : signingAlgorithm.name())
        .put("keyId", signingKey == null ? null : signingKey.keyId())
        .put("assertionAudience", authMethod.usesAssertion() ? assertionAudience.wireName() : null)
        .put("tls", tls == null ? null : tls.toJson());
  }

  @Override
  public String toString() {
    return toJson().encode();
  }
}
