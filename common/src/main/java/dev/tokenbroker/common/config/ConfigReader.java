package dev.tokenbroker.common.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Typed, strict access to one level of a configuration object. Every read names the field's full
 * dotted path in its {@link ConfigException}. Unknown keys are errors: either list the known ones
 * ({@link #rejectUnknown(Set)}) or let the reader remember what was asked for ({@link
 * #rejectUnknownKeys()}). Numbers and booleans may be given as strings, so that {@code ${PORT}}
 * interpolation works for every field.
 */
public final class ConfigReader {

  private final String path;
  private final JsonObject json;
  private final Set<String> asked = new LinkedHashSet<>();

  /**
   * @param path the dotted path of this object, empty for the document's root
   */
  public ConfigReader(String path, JsonObject json) {
    this.path = path;
    this.json = json == null ? new JsonObject() : json;
  }

  /** A reader for a whole document. */
  public static ConfigReader root(JsonObject json) {
    return new ConfigReader("", json);
  }

  /** The dotted path of {@code key} in this object. */
  public String path(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** Whether {@code key} has a non-null value (and marks it as known). */
  public boolean has(String key) {
    asked.add(key);
    return json.getValue(key) != null;
  }

  /** Fails on the first key that is not in {@code known}. */
  public void rejectUnknown(Set<String> known) {
    for (String key : json.fieldNames()) {
      if (!known.contains(key)) {
        throw new ConfigException(
            path(key), "unknown key (known: " + String.join(", ", known) + ")");
      }
    }
  }

  /** Fails on the first key of this object that no read asked for. */
  public void rejectUnknownKeys() {
    for (String key : json.fieldNames()) {
      if (!asked.contains(key)) {
        throw new ConfigException(path(key), "unknown key");
      }
    }
  }

  public String string(String key, String def) {
    if (!has(key)) {
      return def;
    }
    Object v = json.getValue(key);
    if (v instanceof String s) {
      return s;
    }
    if (v instanceof Number || v instanceof Boolean) {
      return String.valueOf(v);
    }
    throw new ConfigException(path(key), "must be a string");
  }

  public String requiredString(String key) {
    String s = string(key, null);
    if (s == null || s.isBlank()) {
      throw new ConfigException(path(key), "required");
    }
    return s;
  }

  /** A whole number in {@code [min, max]}. */
  public long integer(String key, long def, long min, long max) {
    if (!has(key)) {
      return def;
    }
    Object v = json.getValue(key);
    long n;
    if (v instanceof Number num
        && !Double.isInfinite(num.doubleValue())
        && num.doubleValue() == Math.rint(num.doubleValue())
        && Math.abs(num.doubleValue()) < 1e18) {
      n = num.longValue();
    } else if (v instanceof String s && s.trim().matches("-?\\d{1,18}")) {
      n = Long.parseLong(s.trim());
    } else {
      throw new ConfigException(path(key), "must be an integer");
    }
    if (n < min || n > max) {
      throw new ConfigException(path(key), "must be between " + min + " and " + max + ", was " + n);
    }
    return n;
  }

  /** A whole number that fits an {@code int}; the caller checks the range. */
  public int integer(String key, int def) {
    return (int) integer(key, def, Integer.MIN_VALUE, Integer.MAX_VALUE);
  }

  public double decimal(String key, double def, double min, double max) {
    if (!has(key)) {
      return def;
    }
    Object v = json.getValue(key);
    double d;
    if (v instanceof Number num) {
      d = num.doubleValue();
    } else if (v instanceof String s) {
      try {
        d = Double.parseDouble(s.trim());
      } catch (NumberFormatException e) {
        throw new ConfigException(path(key), "must be a number");
      }
    } else {
      throw new ConfigException(path(key), "must be a number");
    }
    if (!(d >= min && d <= max)) {
      throw new ConfigException(path(key), "must be between " + min + " and " + max + ", was " + d);
    }
    return d;
  }

  public boolean bool(String key, boolean def) {
    if (!has(key)) {
      return def;
    }
    Object v = json.getValue(key);
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
      return Boolean.parseBoolean(s);
    }
    throw new ConfigException(path(key), "must be true or false");
  }

  /** A nested mapping; an absent key reads as an empty one. */
  public ConfigReader object(String key) {
    if (!has(key)) {
      return new ConfigReader(path(key), new JsonObject());
    }
    if (json.getValue(key) instanceof JsonObject o) {
      return new ConfigReader(path(key), o);
    }
    throw new ConfigException(path(key), "must be a mapping");
  }

  /** The same as {@link #object(String)}. */
  public ConfigReader child(String key) {
    return object(key);
  }

  /** A list of mappings; an absent key reads as an empty list. */
  public List<ConfigReader> objects(String key) {
    List<ConfigReader> out = new ArrayList<>();
    if (!has(key)) {
      return out;
    }
    if (!(json.getValue(key) instanceof JsonArray arr)) {
      throw new ConfigException(path(key), "must be a list");
    }
    for (int i = 0; i < arr.size(); i++) {
      String itemPath = path(key) + "[" + i + "]";
      if (!(arr.getValue(i) instanceof JsonObject o)) {
        throw new ConfigException(itemPath, "must be a mapping");
      }
      out.add(new ConfigReader(itemPath, o));
    }
    return out;
  }

  /**
   * A list of non-empty strings; a single string is split at white space (so {@code "a b"} and
   * {@code [a, b]} mean the same); absent reads as an empty list.
   */
  public List<String> strings(String key) {
    return strings(key, new ArrayList<>());
  }

  /**
   * A list of non-empty strings, or {@code def} when absent; a single string is split at white
   * space.
   */
  public List<String> strings(String key, List<String> def) {
    if (!has(key)) {
      return def;
    }
    Object v = json.getValue(key);
    List<String> out = new ArrayList<>();
    if (v instanceof String s) {
      for (String part : s.trim().split("\\s+")) {
        if (!part.isEmpty()) {
          out.add(part);
        }
      }
      return out;
    }
    if (!(v instanceof JsonArray arr)) {
      throw new ConfigException(path(key), "must be a list of strings");
    }
    for (int i = 0; i < arr.size(); i++) {
      if (!(arr.getValue(i) instanceof String s) || s.isBlank()) {
        throw new ConfigException(path(key) + "[" + i + "]", "must be a non-empty string");
      }
      out.add(s);
    }
    return out;
  }
}
