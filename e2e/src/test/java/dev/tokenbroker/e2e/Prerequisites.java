package dev.tokenbroker.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * What a test needs from outside the test JVM: the jars under test, the Keycloak distribution, a
 * Debian tool ({@link ExternalTool}). Outside CI a missing prerequisite skips the test (a JUnit
 * assumption, reported as skipped); with the environment variable {@code CI=true} it fails the
 * test, so CI cannot go green by skipping what it was meant to check.
 */
final class Prerequisites {

  private Prerequisites() {}

  static boolean onCi() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }

  /** Fails (CI) or skips (elsewhere) the current test because of {@code what}. Never returns. */
  static void missing(String what) {
    if (onCi()) {
      fail("CI=true and a prerequisite is missing: " + what);
    }
    Assumptions.abort(what + " (skipped; with CI=true this fails)");
  }

  /** {@code jar}, if it is a file; else {@link #missing}. */
  static Path jar(String which, Path jar) {
    if (!Files.isRegularFile(jar)) {
      missing(
          which
              + " jar not built: "
              + jar
              + " (run `mvn -B verify` from the repository root, `mvn -B -pl e2e -am verify`, or"
              + " give -De2e.broker.jar=… -De2e.students.jar=…)");
    }
    return jar;
  }
}
