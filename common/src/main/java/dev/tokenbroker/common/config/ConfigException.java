package dev.tokenbroker.common.config;

/**
 * A configuration value that is missing, malformed or out of range. The message always starts with
 * the dotted path of the offending field ({@code <field>: <problem>}), so an operator can fix it
 * without reading code. Messages never quote configuration values that might be secrets.
 */
public final class ConfigException extends IllegalArgumentException {

  private final String field;
  private final String problem;

  public ConfigException(String field, String problem) {
    super(field + ": " + problem);
    this.field = field;
    this.problem = problem;
  }

  /** The dotted path of the field, for example {@code idp.clientId} or {@code tokens[1].scopes}. */
  public String field() {
    return field;
  }

  /** What is wrong with the field, for example {@code required}. */
  public String problem() {
    return problem;
  }
}
