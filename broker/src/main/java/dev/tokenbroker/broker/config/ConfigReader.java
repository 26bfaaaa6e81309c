package dev.tokenbroker.broker.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Typed, strict access to one level of a configuration object. Every read names the field's full
 * path in its error, and {@link #rejectUnknown} turns a typo into a start-up error instead of a
 * silently ignored setting.
 */
public final class ConfigReader {

  private final String path;
  private final JsonObject json;

  public ConfigReader(String path, JsonObject json) {
    this.path = path;
    this.json = json == null ? new JsonObject() : json;
  }

  public String path(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  public boolean has(String key) {
    return json.getValue(key) != null;
  }

  public void rejectUnknown(Set<String> known) {
    for (String key : json.fieldNames()) {
      if (!known.contains(key)) {
        throw new ConfigException(
            path(key), "unknown key (known: " + String.join(", ", known) + ")");
      }
    }
  }

  public String string(String key, String def) {
    Object v = json.getValue(key);
    if (v == null) {
      return def;
    }
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

  public long integer(String key, long def, long min, long max) {
    Object v = json.getValue(key);
    long n;
    if (v == null) {
      return def;
    } else if (v instanceof Number num && num.doubleValue() == Math.rint(num.doubleValue())) {
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

  public double decimal(String key, double def, double min, double max) {
    Object v = json.getValue(key);
    double d;
    if (v == null) {
      return def;
    } else if (v instanceof Number num) {
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
    Object v = json.getValue(key);
    if (v == null) {
      return def;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
      return Boolean.parseBoolean(s);
    }
    throw new ConfigException(path(key), "must be true or false");
  }

  public ConfigReader object(String key) {
    Object v = json.getValue(key);
    if (v == null) {
      return new ConfigReader(path(key), new JsonObject());
    }
    if (v instanceof JsonObject o) {
      return new ConfigReader(path(key), o);
    }
    throw new ConfigException(path(key), "must be a mapping");
  }

  public List<ConfigReader> objects(String key) {
    Object v = json.getValue(key);
    List<ConfigReader> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    if (!(v instanceof JsonArray arr)) {
      throw new ConfigException(path(key), "must be a list");
    }
    for (int i = 0; i < arr.size(); i++) {
      Object item = arr.getValue(i);
      String itemPath = path(key) + "[" + i + "]";
      if (!(item instanceof JsonObject o)) {
        throw new ConfigException(itemPath, "must be a mapping");
      }
      out.add(new ConfigReader(itemPath, o));
    }
    return out;
  }

  public List<String> strings(String key) {
    Object v = json.getValue(key);
    List<String> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
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
