package dev.tokenbroker.common.config;

import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.commons.text.StringSubstitutor;
import org.apache.commons.text.TextStringBuilder;

/**
 * {@code ${NAME}}, {@code ${NAME:-default}} and the escape {@code $${} in one configuration string,
 * on Commons Text's {@link StringSubstitutor}.
 *
 * <ul>
 *   <li>{@code ${NAME}}: the variable's value (empty if set to empty); unset is an error naming the
 *       field.
 *   <li>{@code ${NAME:-default}}: the default when the variable is unset or empty.
 *   <li>{@code $${} writes a literal {@code ${}.
 *   <li>An unterminated {@code ${} or a name that is not {@code [A-Za-z_][A-Za-z0-9_]*} is an error.
 *   <li>Values are inserted as they are: a value containing {@code ${} is not substituted again.
 * </ul>
 */
public final class EnvInterpolation {

  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final String DEFAULT_SEPARATOR = ":-";

  private EnvInterpolation() {}

  /** Interpolates {@code value}; {@code field} names it in errors. */
  public static String apply(String value, String field, Function<String, String> env) {
    if (value.indexOf("${") < 0) {
      return value;
    }
    requireTerminated(value, field);
    StringSubstitutor substitutor = new Substitutor(field, env);
    substitutor.setEscapeChar('$');
    substitutor.setValueDelimiter(DEFAULT_SEPARATOR);
    substitutor.setDisableSubstitutionInValues(true);
    substitutor.setEnableSubstitutionInVariables(false);
    substitutor.setPreserveEscapes(false);
    return substitutor.replace(value);
  }

  /** StringSubstitutor leaves an unterminated reference in place; that must be an error. */
  private static void requireTerminated(String value, String field) {
    int i = 0;
    while ((i = value.indexOf("${", i)) >= 0) {
      if (i > 0 && value.charAt(i - 1) == '$') {
        i += 2; // the escape $${
        continue;
      }
      int end = value.indexOf('}', i + 2);
      if (end < 0) {
        throw new ConfigException(field, "unterminated ${ reference");
      }
      i = end + 1;
    }
  }

  private static final class Substitutor extends StringSubstitutor {

    private final String field;
    private final Function<String, String> env;

    Substitutor(String field, Function<String, String> env) {
      this.field = field;
      this.env = env;
    }

    @Override
    protected String resolveVariable(String name, TextStringBuilder buf, int startPos, int endPos) {
      if (!NAME.matcher(name).matches()) {
        throw new ConfigException(
            field, "invalid ${...} reference (expected ${NAME} or ${NAME:-default})");
      }
      boolean hasDefault = buf.midString(startPos, endPos - startPos).contains(DEFAULT_SEPARATOR);
      String value = env.apply(name);
      if (value == null || value.isEmpty() && hasDefault) {
        if (!hasDefault) {
          throw new ConfigException(field, "environment variable " + name + " is not set");
        }
        return null; // StringSubstitutor then uses the default
      }
      return value;
    }
  }
}
