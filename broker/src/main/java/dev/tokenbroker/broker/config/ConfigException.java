package dev.tokenbroker.broker.config;

/**
 * A configuration value that is missing, malformed or out of range. The message always starts with
 * the dotted path of the offending field, so an operator can fix it without reading code.
 */
public final class ConfigException extends RuntimeException {

  private final String field;

  public ConfigException(String field, String problem) {
    super(field + ": " + problem);
    this.field = field;
  }

  /** The dotted path of the field, for example {@code idp.clientId} or {@code tokens[1].scopes}. */
  public String field() {
    return field;
  }
}
