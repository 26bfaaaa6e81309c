package dev.tokenbroker.students.config;

import dev.tokenbroker.common.config.ConfigException;
import dev.tokenbroker.common.config.ConfigReader;
import dev.tokenbroker.common.net.HttpUrls;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What an access token must look like to be accepted: the issuer and audience it must name, the
 * signature algorithms allowed, the clock leeway, the size cap, where the signing keys come from
 * and how many verified tokens are remembered. These keys sit at the top level of the YAML file.
 */
public class TokenValidatorOptions {

  /** The asymmetric JWS algorithms this server can verify. HMAC and {@code none} never are. */
  public static final Set<String> SUPPORTED_ALGORITHMS =
      Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512");

  public static final List<String> DEFAULT_ALGORITHMS = List.of("RS256");
  public static final int DEFAULT_LEEWAY_SECONDS = 5;
  public static final int DEFAULT_MAX_TOKEN_BYTES = 8192;
  public static final int DEFAULT_TOKEN_CACHE_MAX_ENTRIES = 10_000;
  public static final boolean DEFAULT_ALLOW_HTTP = false;

  private String issuer;
  private String audience;
  private String jwksUri;
  private int leewaySeconds = DEFAULT_LEEWAY_SECONDS;
  private List<String> algorithms = new ArrayList<>(DEFAULT_ALGORITHMS);
  private int maxTokenBytes = DEFAULT_MAX_TOKEN_BYTES;
  private int tokenCacheMaxEntries = DEFAULT_TOKEN_CACHE_MAX_ENTRIES;
  private JwksOptions jwks = new JwksOptions();
  private boolean allowHttp = DEFAULT_ALLOW_HTTP;

  public TokenValidatorOptions() {}

  public TokenValidatorOptions(TokenValidatorOptions other) {
    this.issuer = other.issuer;
    this.audience = other.audience;
    this.jwksUri = other.jwksUri;
    this.leewaySeconds = other.leewaySeconds;
    this.algorithms = new ArrayList<>(other.algorithms);
    this.maxTokenBytes = other.maxTokenBytes;
    this.tokenCacheMaxEntries = other.tokenCacheMaxEntries;
    this.jwks = new JwksOptions(other.jwks);
    this.allowHttp = other.allowHttp;
  }

  /** Reads the keys of this class from a configuration object and rejects any other key. */
  public TokenValidatorOptions(JsonObject json) {
    ConfigReader r = ConfigReader.root(json);
    read(r);
    r.rejectUnknownKeys();
  }

  /** Reads this class's keys; the caller decides about the remaining ones. */
  TokenValidatorOptions read(ConfigReader r) {
    issuer = r.string("issuer", null);
    audience = r.string("audience", null);
    jwksUri = r.string("jwksUri", null);
    leewaySeconds = r.integer("leewaySeconds", DEFAULT_LEEWAY_SECONDS);
    algorithms = new ArrayList<>(r.strings("algorithms", DEFAULT_ALGORITHMS));
    maxTokenBytes = r.integer("maxTokenBytes", DEFAULT_MAX_TOKEN_BYTES);
    ConfigReader cache = r.child("tokenCache");
    tokenCacheMaxEntries = cache.integer("maxEntries", DEFAULT_TOKEN_CACHE_MAX_ENTRIES);
    cache.rejectUnknownKeys();
    jwks = new JwksOptions(r.child("jwks"));
    allowHttp = r.bool("allowHttp", DEFAULT_ALLOW_HTTP);
    return this;
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("issuer", issuer)
        .put("audience", audience)
        .put("jwksUri", jwksUri)
        .put("leewaySeconds", leewaySeconds)
        .put("algorithms", new JsonArray(new ArrayList<>(algorithms)))
        .put("maxTokenBytes", maxTokenBytes)
        .put("tokenCache", new JsonObject().put("maxEntries", tokenCacheMaxEntries))
        .put("jwks", jwks.toJson())
        .put("allowHttp", allowHttp);
  }

  /** Fails naming the first invalid field. */
  public TokenValidatorOptions validate() {
    if (issuer == null || issuer.isBlank()) {
      throw new ConfigException("issuer", "required");
    }
    requireHttpUrl("issuer", issuer);
    if (audience == null || audience.isBlank()) {
      throw new ConfigException("audience", "required");
    }
    if (jwksUri != null) {
      requireHttpUrl("jwksUri", jwksUri);
    }
    if (leewaySeconds < 0 || leewaySeconds > 300) {
      throw new ConfigException("leewaySeconds", "must be between 0 and 300");
    }
    if (algorithms == null || algorithms.isEmpty()) {
      throw new ConfigException("algorithms", "must list at least one algorithm");
    }
    for (String alg : algorithms) {
      if (alg == null || alg.startsWith("HS") || alg.equalsIgnoreCase("none")) {
        throw new ConfigException(
            "algorithms", alg + " is not allowed (only asymmetric signatures are accepted)");
      }
      if (!SUPPORTED_ALGORITHMS.contains(alg)) {
        throw new ConfigException("algorithms", "unsupported algorithm " + alg);
      }
    }
    if (maxTokenBytes < 256 || maxTokenBytes > 65_536) {
      throw new ConfigException("maxTokenBytes", "must be between 256 and 65536");
    }
    if (tokenCacheMaxEntries < 0 || tokenCacheMaxEntries > 1_000_000) {
      throw new ConfigException("tokenCache.maxEntries", "must be between 0 and 1000000");
    }
    jwks.validate();
    return this;
  }

  /** The shared rule: absolute http(s), and https unless loopback or {@code allowHttp}. */
  private void requireHttpUrl(String field, String value) {
    String problem = HttpUrls.problem(value, allowHttp);
    if (problem != null) {
      throw new ConfigException(
          field,
          problem.startsWith("plain http") ? problem + " (or set allowHttp: true)" : problem);
    }
  }

  public String getIssuer() {
    return issuer;
  }

  public TokenValidatorOptions setIssuer(String issuer) {
    this.issuer = issuer;
    return this;
  }

  public String getAudience() {
    return audience;
  }

  public TokenValidatorOptions setAudience(String audience) {
    this.audience = audience;
    return this;
  }

  /** The explicit JWKS URL; when null it is discovered from the issuer's metadata. */
  public String getJwksUri() {
    return jwksUri;
  }

  public TokenValidatorOptions setJwksUri(String jwksUri) {
    this.jwksUri = jwksUri;
    return this;
  }

  public int getLeewaySeconds() {
    return leewaySeconds;
  }

  public TokenValidatorOptions setLeewaySeconds(int leewaySeconds) {
    this.leewaySeconds = leewaySeconds;
    return this;
  }

  /** The allowed algorithms, de-duplicated, in configuration order. */
  public Set<String> getAlgorithms() {
    return new LinkedHashSet<>(algorithms);
  }

  public TokenValidatorOptions setAlgorithms(List<String> algorithms) {
    this.algorithms = new ArrayList<>(algorithms);
    return this;
  }

  public int getMaxTokenBytes() {
    return maxTokenBytes;
  }

  public TokenValidatorOptions setMaxTokenBytes(int maxTokenBytes) {
    this.maxTokenBytes = maxTokenBytes;
    return this;
  }

  /** How many verified tokens are remembered; 0 turns the cache off. */
  public int getTokenCacheMaxEntries() {
    return tokenCacheMaxEntries;
  }

  public TokenValidatorOptions setTokenCacheMaxEntries(int tokenCacheMaxEntries) {
    this.tokenCacheMaxEntries = tokenCacheMaxEntries;
    return this;
  }

  /**
   * Whether plain {@code http://} is allowed for a non-loopback issuer, {@code jwksUri} or
   * discovered {@code jwks_uri}; loopback hosts may always use it.
   */
  public boolean isAllowHttp() {
    return allowHttp;
  }

  public TokenValidatorOptions setAllowHttp(boolean allowHttp) {
    this.allowHttp = allowHttp;
    return this;
  }

  public JwksOptions getJwks() {
    return jwks;
  }

  public TokenValidatorOptions setJwks(JwksOptions jwks) {
    this.jwks = jwks;
    return this;
  }

  @Override
  public String toString() {
    return toJson().encode();
  }
}
