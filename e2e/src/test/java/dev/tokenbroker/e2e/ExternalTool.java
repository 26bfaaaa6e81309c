package dev.tokenbroker.e2e;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A program from a Debian package that a test runs as a process (prometheus, promtool, chromium). A
 * missing program is a missing {@link Prerequisites prerequisite}: skipped outside CI, a failure
 * with {@code CI=true}.
 */
final class ExternalTool {

  private ExternalTool() {}

  /**
   * The executable {@code name}: from the system property {@code e2e.tool.NAME} if set, else the
   * first match on {@code PATH}, else {@code /usr/bin/NAME}. Skips or fails (see the class comment)
   * when there is none.
   */
  static Path require(String name, String debianPackage) {
    Optional<Path> found = find(name);
    if (found.isPresent()) {
      return found.get();
    }
    Prerequisites.missing(
        name
            + " not found (property e2e.tool."
            + name
            + ", PATH, /usr/bin): install Debian's "
            + debianPackage
            + " package (apt-get install -y "
            + debianPackage
            + "); deploy/local/test.sh does that on CI");
    throw new AssertionError("unreachable");
  }

  private static Optional<Path> find(String name) {
    String override = System.getProperty("e2e.tool." + name);
    if (override != null && !override.isBlank()) {
      return Optional.of(Path.of(override)).filter(Files::isExecutable);
    }
    String path = System.getenv().getOrDefault("PATH", "");
    return Stream.concat(
            Stream.of(path.split(File.pathSeparator))
                .filter(dir -> !dir.isBlank())
                .map(dir -> Path.of(dir, name)),
            Stream.of(Path.of("/usr/bin", name)))
        .filter(p -> Files.isRegularFile(p) && Files.isExecutable(p))
        .findFirst();
  }
}
