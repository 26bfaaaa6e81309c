package dev.tokenbroker.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Resolves {@link KeycloakServer} parameters with one Keycloak for the whole test run. The server
 * lives in the root context's store, so JUnit closes it after the last test class, whether the
 * tests passed or not. A failed start is remembered: later classes fail at once instead of waiting
 * for another Keycloak.
 *
 * <p>Paths come from system properties that the module's surefire configuration sets: {@code
 * keycloak.home}, {@code realm.file}, {@code realm.clientauth.file} and {@code e2e.work.dir}
 * (Keycloak's log goes to {@code keycloak.log} there, the run's test CA to {@code tls/}).
 *
 * <p>Before a class's tests run, a missing Keycloak distribution (not unpacked under {@code
 * keycloak.home}) is a missing {@link Prerequisites prerequisite}: the class is skipped, or fails
 * with {@code CI=true}.
 */
public final class KeycloakExtension implements BeforeAllCallback, ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(KeycloakExtension.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    Path kcSh = requiredPath("keycloak.home").resolve("bin/kc.sh");
    if (!Files.isRegularFile(kcSh)) {
      Prerequisites.missing(
          "Keycloak distribution not found ("
              + kcSh
              + "): `mvn -B -pl e2e -am process-test-resources` unpacks it");
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == KeycloakServer.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(StartAttempt.class, key -> StartAttempt.run(), StartAttempt.class)
        .server();
  }

  private record StartAttempt(KeycloakServer started, RuntimeException failure)
      implements ExtensionContext.Store.CloseableResource {

    static StartAttempt run() {
      try {
        return new StartAttempt(
            KeycloakServer.start(
                requiredPath("keycloak.home"),
                List.of(requiredPath("realm.file"), requiredPath("realm.clientauth.file")),
                workDir().resolve("keycloak.log"),
                workDir().resolve("tls")),
            null);
      } catch (RuntimeException e) {
        return new StartAttempt(null, e);
      }
    }

    KeycloakServer server() {
      if (failure != null) {
        throw new IllegalStateException("Keycloak did not start", failure);
      }
      return started;
    }

    @Override
    public void close() {
      if (started != null) {
        started.close();
      }
    }
  }

  static Path workDir() {
    return Path.of(System.getProperty("e2e.work.dir", "target")).toAbsolutePath();
  }

  private static Path requiredPath(String property) {
    String value = System.getProperty(property);
    if (value == null || value.isBlank()) {
      throw new IllegalStateException(
          "system property " + property + " is not set; run the suite through Maven (e2e/pom.xml)");
    }
    return Path.of(value).toAbsolutePath().normalize();
  }
}
