package dev.tokenbroker.broker.token;

import dev.tokenbroker.broker.config.LocalClientOptions;
import dev.tokenbroker.broker.config.ReloadableFile;
import dev.tokenbroker.broker.config.Secret;
import io.vertx.core.Vertx;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The co-located callers ({@code localClients}): who they are and what each may have. {@link
 * #authenticate} checks a caller's id and secret in constant time (digests compared with {@link
 * MessageDigest#isEqual}, an unknown id costs the same comparison); {@link Caller#resolve} narrows
 * the broker-wide {@link AccessPolicy} to the caller's {@code allow} list.
 *
 * <p>Scope rule: a request without {@code scope} gets every scope the caller's {@code allow} entry
 * lists for the audience (validated at start-up to be covered by one {@code tokens} entry); with
 * {@code scope}, every requested scope must be in that {@code allow} entry ({@code invalid_scope}).
 * An audience the caller's list does not name is {@code invalid_target} (RFC 8707). A request
 * without an audience names the caller's only allowed audience, when it has exactly one.
 *
 * <p>Secrets from {@code clientSecretFile} are re-read every {@code secretReloadSeconds}; the new
 * content is in use from the next request.
 */
public final class CallerPolicy {

  /**
   * The id and secret a caller presented; {@code raw} is the same pair as sent, not form-decoded,
   * when it differs (Basic from clients that skip RFC 6749 §2.3.1's encoding), else null. {@link
   * #toString()} never prints the secret.
   */
  public record Credentials(String clientId, String clientSecret, Credentials raw) {
    public Credentials(String clientId, String clientSecret) {
      this(clientId, clientSecret, null);
    }

    @Override
    public String toString() {
      return "Credentials[" + clientId + "]";
    }
  }

  private static final byte[] NO_SECRET = sha256("\0no such client\0");

  private final Map<String, Caller> callers = new HashMap<>();
  private final List<ReloadableFile<Secret>> files = new java.util.ArrayList<>();
  private final AccessPolicy policy;

  public CallerPolicy(Vertx vertx, List<LocalClientOptions> clients, AccessPolicy policy) {
    this.policy = policy;
    for (LocalClientOptions c : clients) {
      Supplier<Secret> secret;
      if (c.clientSecretFile() != null && vertx != null) {
        ReloadableFile<Secret> f =
            new ReloadableFile<>(
                    vertx,
                    c.clientSecretFile(),
                    "local client secret",
                    Secret::fromFileContent,
                    c.clientSecret())
                .watch(c.secretReloadSeconds() * 1000);
        files.add(f);
        secret = f::current;
      } else {
        Secret s = c.clientSecret();
        secret = () -> s;
      }
      callers.put(c.clientId(), new Caller(c, secret));
    }
  }

  /** Whether any caller is configured (else the drop-in endpoint is off). */
  public boolean enabled() {
    return !callers.isEmpty();
  }

  /** The caller these credentials belong to, or null when the id is unknown or the secret wrong. */
  public Caller authenticate(Credentials credentials) {
    Caller decoded = check(credentials);
    Caller raw = credentials.raw() == null ? null : check(credentials.raw());
    return decoded != null ? decoded : raw;
  }

  private Caller check(Credentials credentials) {
    Caller c = callers.get(credentials.clientId());
    byte[] presented = sha256(credentials.clientSecret());
    byte[] expected = c == null ? NO_SECRET : sha256(c.secret.get().reveal());
    boolean match = MessageDigest.isEqual(presented, expected);
    return c != null && match ? c : null;
  }

  /**
   * The credentials of an {@code Authorization: Basic} value (RFC 6749 §2.3.1: id and secret are
   * form-urlencoded before base64, so {@code +} and {@code %XX} are decoded). Many clients
   * (Vert.x's own {@code OAuth2Auth} among them) send them unencoded, so the value as sent is kept
   * as {@link Credentials#raw()} and {@link #authenticate} accepts either. Null when the value does
   * not use the Basic scheme.
   *
   * @throws TokenFailure {@code invalid_client} (401) when it is not well-formed
   */
  public static Credentials basic(String authorization) {
    if (authorization == null
        || authorization.length() < 6
        || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      return null;
    }
    String decoded;
    try {
      decoded =
          new String(
              Base64.getDecoder().decode(authorization.substring(6).strip()),
              StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw invalidClient("malformed Basic credentials");
    }
    int colon = decoded.indexOf(':');
    if (colon < 0) {
      throw invalidClient("malformed Basic credentials");
    }
    Credentials raw = new Credentials(decoded.substring(0, colon), decoded.substring(colon + 1));
    Credentials form;
    try {
      form = new Credentials(formDecode(raw.clientId()), formDecode(raw.clientSecret()));
    } catch (IllegalArgumentException e) {
      return raw; // not form-encoded (a stray %): only the value as sent can match
    }
    return form.equals(raw) ? form : new Credentials(form.clientId(), form.clientSecret(), raw);
  }

  /** Stops re-reading secret files. */
  public void close() {
    files.forEach(ReloadableFile::close);
  }

  public static TokenFailure invalidClient(String description) {
    return new TokenFailure(401, "invalid_client", description, null, 0);
  }

  private static String formDecode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One authenticated caller and its {@code allow} list. */
  public final class Caller {

    private final LocalClientOptions options;
    private final Supplier<Secret> secret;

    private Caller(LocalClientOptions options, Supplier<Secret> secret) {
      this.options = options;
      this.secret = secret;
    }

    public String clientId() {
      return options.clientId();
    }

    /**
     * The key for this caller's request, within its {@code allow} list and the broker's policy.
     *
     * @param audience the audience (or RFC 8707 {@code resource}); null for the only allowed one
     * @param scope space-separated scopes, or null/blank for the allowed ones
     * @throws TokenFailure 400 {@code unauthorized_client} (empty allow list), {@code
     *     invalid_target}, {@code invalid_scope} or {@code invalid_request}
     */
    public TokenKey resolve(String audience, String scope) {
      Map<String, LocalClientOptions.Allow> allow = options.allow();
      if (allow.isEmpty()) {
        throw new TokenFailure(
            400, "unauthorized_client", "this client may not obtain any token", null, 0);
      }
      if (audience == null || audience.isEmpty()) {
        if (allow.size() != 1) {
          throw TokenFailure.badRequest("audience (or resource) is required");
        }
        audience = allow.keySet().iterator().next();
      }
      LocalClientOptions.Allow entry = allow.get(audience);
      if (entry == null) {
        throw new TokenFailure(
            400, "invalid_target", "this client may not have tokens for this audience", null, 0);
      }
      if (scope == null || scope.isBlank()) {
        TokenKey key =
            policy.resolve(
                audience, entry.scopes().isEmpty() ? null : String.join(" ", entry.scopes()));
        if (!entry.scopes().containsAll(key.scopes())) {
          throw invalidScope("this client must name the scopes it asks for");
        }
        return key;
      }
      for (String s : scope.split(" ")) {
        if (!s.isEmpty() && !entry.scopes().contains(s)) {
          throw invalidScope("a requested scope is not allowed for this client and audience");
        }
      }
      try {
        return policy.resolve(audience, scope);
      } catch (TokenFailure f) {
        if (f.status() == 403) {
          throw invalidScope("a requested scope is not allowed for this audience");
        }
        throw f;
      }
    }

    @Override
    public String toString() {
      return "Caller[" + clientId() + "]";
    }
  }

  private static TokenFailure invalidScope(String description) {
    return new TokenFailure(400, "invalid_scope", description, null, 0);
  }
}
