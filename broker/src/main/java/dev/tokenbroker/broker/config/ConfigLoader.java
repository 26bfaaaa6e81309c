package dev.tokenbroker.broker.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Reads a YAML configuration file into a {@link JsonObject}, replacing {@code ${NAME}} and {@code
 * ${NAME:-default}} in string values with environment variables. Substitution happens after
 * parsing, so a variable's value can never change the document's structure.
 */
public final class ConfigLoader {

  private static final Pattern VAR = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");
  private static final int MAX_BYTES = 1024 * 1024;

  private ConfigLoader() {}

  public static JsonObject load(Path file, Function<String, String> env) {
    byte[] bytes;
    try {
      if (Files.size(file) > MAX_BYTES) {
        throw new ConfigException("--config", "file is larger than 1 MiB: " + file);
      }
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new ConfigException("--config", "cannot read " + file + ": " + e.getMessage());
    }
    return parse(new String(bytes, StandardCharsets.UTF_8), env);
  }

  public static JsonObject parse(String yamlText, Function<String, String> env) {
    Object doc;
    try {
      LoaderOptions options = new LoaderOptions();
      options.setAllowDuplicateKeys(false);
      options.setMaxAliasesForCollections(10);
      doc = new Yaml(new SafeConstructor(options)).load(yamlText);
    } catch (RuntimeException e) {
      String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw new ConfigException(
          "--config", "not valid YAML: " + msg.lines().findFirst().orElse(""));
    }
    if (doc == null) {
      return new JsonObject();
    }
    if (!(doc instanceof Map<?, ?> map)) {
      throw new ConfigException("--config", "the document must be a mapping");
    }
    return (JsonObject) convert(map, "", env);
  }

  private static Object convert(Object value, String path, Function<String, String> env) {
    if (value instanceof Map<?, ?> map) {
      JsonObject obj = new JsonObject();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        String key = String.valueOf(e.getKey());
        String child = path.isEmpty() ? key : path + "." + key;
        obj.put(key, convert(e.getValue(), child, env));
      }
      return obj;
    }
    if (value instanceof List<?> list) {
      JsonArray arr = new JsonArray();
      for (int i = 0; i < list.size(); i++) {
        arr.add(convert(list.get(i), path + "[" + i + "]", env));
      }
      return arr;
    }
    if (value instanceof String s) {
      return interpolate(s, path, env);
    }
    if (value == null || value instanceof Number || value instanceof Boolean) {
      return value;
    }
    throw new ConfigException(path, "unsupported value type " + value.getClass().getSimpleName());
  }

  static String interpolate(String s, String path, Function<String, String> env) {
    if (s.indexOf("${") < 0) {
      return s;
    }
    Matcher m = VAR.matcher(s);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1);
      String val = env.apply(name);
      if (val == null || (val.isEmpty() && m.group(2) != null)) {
        val = m.group(3);
      }
      if (val == null) {
        throw new ConfigException(path, "environment variable " + name + " is not set");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(val));
    }
    m.appendTail(out);
    return out.toString();
  }
}
