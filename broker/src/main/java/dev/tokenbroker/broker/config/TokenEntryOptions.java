package dev.tokenbroker.broker.config;

import dev.tokenbroker.common.config.ConfigException;
import dev.tokenbroker.common.config.ConfigReader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * One {@code tokens} entry: an audience and the scopes callers may ask for. It is both policy (what
 * may be requested) and, with {@code prefetch}, a key kept warm from start-up.
 */
public final class TokenEntryOptions {

  public static final boolean DEFAULT_PREFETCH = true;

  /** The client an entry uses when it names none: the {@code idp} block. */
  public static final String DEFAULT_CLIENT = "default";

  static final int MAX_CLIENT_NAME_LENGTH = 64;
  static final int MAX_AUDIENCE_LENGTH = 512;
  static final int MAX_SCOPES = 32;

  private final String audience;
  private final List<String> scopes;
  private final boolean prefetch;
  private final String client;

  public TokenEntryOptions(ConfigReader r) {
    r.rejectUnknown(Set.of("audience", "scopes", "prefetch", "client"));
    this.audience = r.requiredString("audience");
    if (audience.length() > MAX_AUDIENCE_LENGTH || !printable(audience)) {
      throw new ConfigException(r.path("audience"), "must be printable and at most 512 characters");
    }
    TreeSet<String> sorted = new TreeSet<>();
    for (String s : r.strings("scopes")) {
      if (!validScopeToken(s)) {
        throw new ConfigException(r.path("scopes"), "invalid scope token (RFC 6749 §3.3)");
      }
      sorted.add(s);
    }
    if (sorted.size() > MAX_SCOPES) {
      throw new ConfigException(r.path("scopes"), "at most " + MAX_SCOPES + " scopes");
    }
    this.scopes = List.copyOf(sorted);
    this.prefetch = r.bool("prefetch", DEFAULT_PREFETCH);
    this.client = r.string("client", DEFAULT_CLIENT);
    if (!validClientName(client)) {
      throw new ConfigException(r.path("client"), CLIENT_NAME_RULE);
    }
  }

  public String audience() {
    return audience;
  }

  /** The entry's scopes, de-duplicated and sorted. */
  public List<String> scopes() {
    return scopes;
  }

  public boolean prefetch() {
    return prefetch;
  }

  /** The name of the client (a key of {@code clients}, or {@value #DEFAULT_CLIENT}). */
  public String client() {
    return client;
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("audience", audience)
        .put("scopes", new JsonArray(scopes))
        .put("prefetch", prefetch)
        .put("client", client);
  }

  /** What {@link #validClientName} accepts, as a configuration error says it. */
  public static final String CLIENT_NAME_RULE =
      "a client name is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit";

  /**
   * A client name is a simple token: {@code [A-Za-z0-9][A-Za-z0-9._-]{0,63}}. Allocation-free, so
   * the API may check a caller's {@code client} parameter with it.
   */
  public static boolean validClientName(String s) {
    int n = s.length();
    if (n == 0 || n > MAX_CLIENT_NAME_LENGTH) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) {
        return false;
      }
    }
    return true;
  }

  /** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
  public static boolean validScopeToken(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x21 || c > 0x7E || c == '"' || c == '\\') {
        return false;
      }
    }
    return true;
  }

  static boolean printable(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7F) {
        return false;
      }
    }
    return true;
  }
}
