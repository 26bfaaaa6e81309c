package dev.tokenbroker.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EnvInterpolationTest {

  private static final Map<String, String> ENV =
      Map.of("A", "a", "B", "b", "EMPTY", "", "NESTED", "${A}", "DOLLAR", "$${A}");

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      emptyValue = "",
      value = {
        "plain                 | plain",
        "${A}                  | a",
        "${A}-${B}             | a-b",
        "x${A}y                | xay",
        "${UNSET:-fallback}    | fallback",
        "${EMPTY:-fallback}    | fallback",
        "${A:-fallback}        | a",
        "${UNSET:-}            | ''",
        "${EMPTY}              | ''",
        "$${A}                 | ${A}",
        "$${literal}           | ${literal}",
        "$${A} ${A}            | ${A} a",
        "${NESTED}             | ${A}",
        "${DOLLAR}             | $${A}",
        "cost: $5              | cost: $5",
        "$$                    | $$",
        "a}b                   | a}b",
      })
  void substitutes(String in, String out) {
    assertEquals(out, EnvInterpolation.apply(in, "f", ENV::get));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "${UNSET}          | a.b: environment variable UNSET is not set",
        "x ${A} ${UNSET} y | a.b: environment variable UNSET is not set",
        "${OOPS            | a.b: unterminated ${ reference",
        "${A} ${OOPS       | a.b: unterminated ${ reference",
        "${1BAD}           | a.b: invalid ${...} reference (expected ${NAME} or ${NAME:-default})",
        "${}               | a.b: invalid ${...} reference (expected ${NAME} or ${NAME:-default})",
      })
  void refusesNamingTheField(String in, String message) {
    ConfigException e =
        assertThrows(ConfigException.class, () -> EnvInterpolation.apply(in, "a.b", ENV::get));
    assertEquals(message, e.getMessage());
    assertEquals("a.b", e.field());
  }
}
