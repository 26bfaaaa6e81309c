package dev.tokenbroker.students.config;

/**
 * A configuration problem found at start-up. It always names the offending field by its dotted path
 * in the configuration file (for example {@code jwks.maxBytes}), so the message printed by the
 * launcher, {@code config error: <field>: <problem>}, tells the operator where to look.
 *
 * <p>Messages never contain configuration values that might be secrets.
 */
public final class ConfigException extends IllegalArgumentException {

  private final String field;
  private final String problem;

  public ConfigException(String field, String problem) {
    super(field + ": " + problem);
    this.field = field;
    this.problem = problem;
  }

  /** The dotted path of the offending field, for example {@code http.port}. */
  public String field() {
    return field;
  }

  /** What is wrong with the field, for example {@code required}. */
  public String problem() {
    return problem;
  }
}
