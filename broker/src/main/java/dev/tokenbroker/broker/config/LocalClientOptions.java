package dev.tokenbroker.broker.config;

import dev.tokenbroker.common.config.ConfigException;
import dev.tokenbroker.common.config.ConfigReader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One {@code localClients} entry: a co-located caller's own credentials ({@code clientId} and
 * {@code clientSecret} or {@code clientSecretFile}, never the upstream IdP secret) and what it may
 * ask for ({@code allow}: per audience, the scopes). Every allowed audience must be a {@code
 * tokens} entry, and its scopes must all be covered by one {@code tokens} entry for that audience,
 * so an allowed request is always one the broker can serve. An empty {@code allow} list disables
 * the caller ({@code unauthorized_client}). {@link #toJson()} and {@link #toString()} redact the
 * secret.
 */
public final class LocalClientOptions {

  public static final long DEFAULT_SECRET_RELOAD_SECONDS = 10;
  static final int MAX_CLIENT_ID_LENGTH = 256;

  /** One {@code allow} entry: an audience and the scopes the caller may have for it. */
  public record Allow(String audience, List<String> scopes) {
    public JsonObject toJson() {
      return new JsonObject().put("audience", audience).put("scopes", new JsonArray(scopes));
    }
  }

  private final String clientId;
  private final Secret clientSecret;
  private final String clientSecretFile;
  private final long secretReloadSeconds;
  private final Map<String, Allow> allow;

  public LocalClientOptions(ConfigReader r, List<TokenEntryOptions> tokens) {
    r.rejectUnknown(
        Set.of("clientId", "clientSecret", "clientSecretFile", "secretReloadSeconds", "allow"));
    this.clientId = r.requiredString("clientId");
    if (clientId.isEmpty()
        || clientId.length() > MAX_CLIENT_ID_LENGTH
        || !TokenEntryOptions.printable(clientId)) {
      throw new ConfigException(
          r.path("clientId"), "must be printable and 1 to " + MAX_CLIENT_ID_LENGTH + " characters");
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
      throw new ConfigException(r.path("clientSecret"), "required (or clientSecretFile)");
    }
    this.clientSecret = Secret.of(secret);
    this.secretReloadSeconds =
        r.integer("secretReloadSeconds", DEFAULT_SECRET_RELOAD_SECONDS, 1, 86_400);
    Map<String, Allow> allowed = new LinkedHashMap<>();
    for (ConfigReader a : r.objects("allow")) {
      a.rejectUnknown(Set.of("audience", "scopes"));
      String audience = a.requiredString("audience");
      TreeSet<String> scopes = new TreeSet<>();
      for (String s : a.strings("scopes", List.of())) {
        if (!TokenEntryOptions.validScopeToken(s)) {
          throw new ConfigException(a.path("scopes"), "invalid scope token (RFC 6749 §3.3)");
        }
        scopes.add(s);
      }
      boolean known = false;
      boolean covered = false;
      for (TokenEntryOptions t : tokens) {
        if (t.audience().equals(audience)) {
          known = true;
          covered |= t.scopes().containsAll(scopes);
        }
      }
      if (!known) {
        throw new ConfigException(a.path("audience"), "no tokens entry has this audience");
      }
      if (!covered) {
        throw new ConfigException(
            a.path("scopes"), "not all covered by one tokens entry for " + audience);
      }
      if (allowed.put(audience, new Allow(audience, List.copyOf(scopes))) != null) {
        throw new ConfigException(a.path("audience"), "more than one allow entry for it");
      }
    }
    this.allow = Map.copyOf(allowed);
  }

  /**
   * Reads the {@code localClients} list: client ids must be unique; {@code http.requireCallerAuth}
   * needs at least one entry.
   */
  public static List<LocalClientOptions> readAll(
      ConfigReader root, List<TokenEntryOptions> tokens, HttpOptions http) {
    List<LocalClientOptions> out = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (ConfigReader c : root.objects("localClients")) {
      LocalClientOptions o = new LocalClientOptions(c, tokens);
      if (!ids.add(o.clientId())) {
        throw new ConfigException(c.path("clientId"), "duplicate client id");
      }
      out.add(o);
    }
    if (http.requireCallerAuth() && out.isEmpty()) {
      throw new ConfigException("http.requireCallerAuth", "needs at least one localClients entry");
    }
    return List.copyOf(out);
  }

  public String clientId() {
    return clientId;
  }

  /** The secret as read at start-up (see {@link #clientSecretFile()} for rotation). */
  public Secret clientSecret() {
    return clientSecret;
  }

  /** The file the secret comes from, re-read while running, or null. */
  public Path clientSecretFile() {
    return clientSecretFile == null ? null : Path.of(clientSecretFile);
  }

  public long secretReloadSeconds() {
    return secretReloadSeconds;
  }

  /** What the caller may have, by audience. */
  public Map<String, Allow> allow() {
    return allow;
  }

  public JsonObject toJson() {
    JsonArray a = new JsonArray();
    allow.values().stream()
        .sorted(java.util.Comparator.comparing(Allow::audience))
        .forEach(e -> a.add(e.toJson()));
    return new JsonObject()
        .put("clientId", clientId)
        .put("clientSecret", Secret.REDACTED)
        .put("clientSecretFile", clientSecretFile)
        .put("secretReloadSeconds", secretReloadSeconds)
        .put("allow", a);
  }

  @Override
  public String toString() {
    return toJson().encode();
  }

  private static String readSecretFile(String field, String file) {
    try {
      return Secret.fromFileContent(Files.readAllBytes(Path.of(file))).reveal();
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(field, "cannot read the secret file " + file);
    }
  }
}
