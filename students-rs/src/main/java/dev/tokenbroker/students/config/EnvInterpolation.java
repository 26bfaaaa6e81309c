package dev.tokenbroker.students.config;

import java.util.Map;
import java.util.regex.Pattern;

/** {@code ${NAME}}, {@code ${NAME:-default}} and {@code $${} in configuration strings. */
final class EnvInterpolation {

  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private EnvInterpolation() {}

  static String apply(String value, String path, Map<String, String> env) {
    if (value.indexOf('$') < 0) {
      return value;
    }
    StringBuilder out = new StringBuilder(value.length());
    int i = 0;
    while (i < value.length()) {
      char c = value.charAt(i);
      if (c == '$' && value.startsWith("$${", i)) {
        out.append("${");
        i += 3;
      } else if (c == '$' && value.startsWith("${", i)) {
        int end = value.indexOf('}', i + 2);
        if (end < 0) {
          throw new ConfigException(path, "unterminated ${ reference");
        }
        out.append(resolve(value.substring(i + 2, end), path, env));
        i = end + 1;
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  private static String resolve(String reference, String path, Map<String, String> env) {
    int sep = reference.indexOf(":-");
    String name = sep < 0 ? reference : reference.substring(0, sep);
    if (!NAME.matcher(name).matches()) {
      throw new ConfigException(
          path, "invalid ${...} reference (expected ${NAME} or ${NAME:-default})");
    }
    String set = env.get(name);
    if (sep >= 0) {
      return set == null || set.isEmpty() ? reference.substring(sep + 2) : set;
    }
    if (set == null) {
      throw new ConfigException(path, "environment variable " + name + " is not set");
    }
    return set;
  }
}
