package dev.tokenbroker.students.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Typed, path-aware reads from a configuration object. Every problem becomes a {@link
 * ConfigException} naming the dotted path of the field; keys nobody asked for are reported by
 * {@link #rejectUnknownKeys()}. Values may be strings where numbers or booleans are expected, so
 * that {@code ${PORT}} interpolation works for every field.
 */
final class ConfigReader {

  private final JsonObject json;
  private final String prefix;
  private final Set<String> known = new LinkedHashSet<>();

  ConfigReader(JsonObject json, String prefix) {
    this.json = json == null ? new JsonObject() : json;
    this.prefix = prefix;
  }

  static ConfigReader root(JsonObject json) {
    return new ConfigReader(json, "");
  }

  String path(String key) {
    return prefix + key;
  }

  boolean has(String key) {
    known.add(key);
    return json.getValue(key) != null;
  }

  String string(String key, String def) {
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

  int integer(String key, int def) {
    if (!has(key)) {
      return def;
    }
    Object v = json.getValue(key);
    if (v instanceof Integer i) {
      return i;
    }
    if (v instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) {
      return l.intValue();
    }
    if (v instanceof String s && s.trim().matches("-?[0-9]{1,10}")) {
      try {
        return Integer.parseInt(s.trim());
      } catch (NumberFormatException e) {
        // out of range, reported below
      }
    }
    throw new ConfigException(path(key), "must be an integer");
  }

  boolean bool(String key, boolean def) {
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

  /** A list of strings; a single string is read as a one-element list. */
  List<String> strings(String key, List<String> def) {
    if (!has(key)) {
      return def;
    }
    Object v = json.getValue(key);
    if (v instanceof String s) {
      return List.of(s);
    }
    if (!(v instanceof JsonArray array)) {
      throw new ConfigException(path(key), "must be a list of strings");
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof String s)) {
        throw new ConfigException(path(key) + "[" + i + "]", "must be a string");
      }
      out.add(s);
    }
    return out;
  }

  /** A nested object; an absent key reads as an empty object. */
  ConfigReader child(String key) {
    if (!has(key)) {
      return new ConfigReader(new JsonObject(), path(key) + ".");
    }
    Object v = json.getValue(key);
    if (v instanceof JsonObject o) {
      return new ConfigReader(o, path(key) + ".");
    }
    if (v instanceof Map<?, ?>) {
      return new ConfigReader(json.getJsonObject(key), path(key) + ".");
    }
    throw new ConfigException(path(key), "must be a mapping");
  }

  /** Fails on the first key of this object that no read asked for. */
  void rejectUnknownKeys() {
    for (String key : json.fieldNames()) {
      if (!known.contains(key)) {
        throw new ConfigException(path(key), "unknown key");
      }
    }
  }
}
