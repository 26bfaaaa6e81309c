package dev.tokenbroker.common.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads a YAML configuration file into a {@link JsonObject}. String values may reference the
 * environment as described in {@link EnvInterpolation}; substitution happens after parsing, so a
 * variable's value can never change the document's structure. The YAML is parsed with SnakeYAML's
 * safe constructor, duplicate keys are errors, and error messages quote neither values nor file
 * lines, so secrets placed in the file are never echoed.
 */
public final class ConfigLoader {

  /** The field named by problems that concern the file as a whole. */
  public static final String FILE_FIELD = "config file";

  /** Larger files are refused. */
  public static final int MAX_FILE_BYTES = 1024 * 1024;

  private ConfigLoader() {}

  /** Reads, parses and interpolates {@code file}; {@code env} looks variables up (null: unset). */
  public static JsonObject load(Path file, Function<String, String> env) {
    String text;
    try {
      if (Files.size(file) > MAX_FILE_BYTES) {
        throw new ConfigException(FILE_FIELD, "larger than " + MAX_FILE_BYTES + " bytes: " + file);
      }
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException(
          FILE_FIELD, "cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
    }
    return parse(text, env);
  }

  /** Parses YAML text and interpolates environment references in string values. */
  public static JsonObject parse(String yamlText, Function<String, String> env) {
    LoaderOptions loader = new LoaderOptions();
    loader.setAllowDuplicateKeys(false);
    loader.setMaxAliasesForCollections(20);
    loader.setNestingDepthLimit(20);
    loader.setCodePointLimit(MAX_FILE_BYTES);
    Object root;
    try {
      root = new Yaml(new SafeConstructor(loader)).load(yamlText);
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark();
      String where = mark == null ? "" : " at line " + (mark.getLine() + 1);
      throw new ConfigException(FILE_FIELD, "invalid YAML: " + e.getProblem() + where);
    } catch (YAMLException e) {
      throw new ConfigException(FILE_FIELD, "invalid YAML");
    }
    if (root == null) {
      throw new ConfigException(FILE_FIELD, "is empty");
    }
    if (!(root instanceof Map<?, ?> map)) {
      throw new ConfigException(FILE_FIELD, "must be a YAML mapping");
    }
    return toJson(map, "", env);
  }

  private static JsonObject toJson(Map<?, ?> map, String path, Function<String, String> env) {
    JsonObject out = new JsonObject();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String child = path.isEmpty() ? String.valueOf(e.getKey()) : path + "." + e.getKey();
      if (!(e.getKey() instanceof String key)) {
        throw new ConfigException(child, "keys must be strings");
      }
      out.put(key, convert(e.getValue(), child, env));
    }
    return out;
  }

  private static Object convert(Object value, String path, Function<String, String> env) {
    if (value == null
        || value instanceof Boolean
        || value instanceof Integer
        || value instanceof Long
        || value instanceof Double) {
      return value;
    }
    if (value instanceof String s) {
      return EnvInterpolation.apply(s, path, env);
    }
    if (value instanceof Map<?, ?> m) {
      return toJson(m, path, env);
    }
    if (value instanceof List<?> list) {
      JsonArray array = new JsonArray();
      for (int i = 0; i < list.size(); i++) {
        array.add(convert(list.get(i), path + "[" + i + "]", env));
      }
      return array;
    }
    throw new ConfigException(
        path, "unsupported value type (use a string, number, boolean, list or mapping)");
  }
}
