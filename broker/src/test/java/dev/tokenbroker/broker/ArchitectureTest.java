package dev.tokenbroker.broker;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import dev.tokenbroker.testing.ArchRules;
import org.junit.jupiter.api.Test;

/**
 * Package dependencies point one way: {@code api -> token -> idp -> config}, {@code cluster ->
 * token} beside {@code api}, {@code metrics} beside {@code api}, the root package ({@code Main},
 * {@code BrokerVerticle}) wires everything and is used by nothing. An {@code impl} package is used
 * only by its parent package (its factories) and itself. Main code only; tests may reach anywhere.
 */
class ArchitectureTest {

  static final String ROOT = "dev.tokenbroker.broker";

  static final JavaClasses MAIN = ArchRules.mainClasses(ROOT);

  @Test
  void noPackageCycles() {
    ArchRules.noPackageCycles(ROOT).check(MAIN);
  }

  @Test
  void layersPointOneWay() {
    noClasses()
        .that()
        .resideInAPackage("..broker.config..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("..broker.idp..", "..broker.token..", "..broker.api..", "..metrics..")
        .check(MAIN);
    noClasses()
        .that()
        .resideInAPackage("..broker.idp..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("..broker.token..", "..broker.api..", "..broker.metrics..")
        .check(MAIN);
    noClasses()
        .that()
        .resideInAPackage("..broker.token..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("..broker.api..", "..broker.metrics..")
        .check(MAIN);
    noClasses()
        .that()
        .resideInAPackage("..broker.metrics..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("..broker.api..")
        .check(MAIN);
    ArchRules.rootPackageUsedByNothing(ROOT).check(MAIN);
  }

  /**
   * Fleet mode: {@code cluster -> token -> idp -> config}; nothing below it knows the cluster, and
   * the APIs and metrics reach it only through the token layer's seam (so Hazelcast stays out of
   * them).
   */
  @Test
  void clusterSitsAboveTheTokenLayerOnly() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "..broker.config..",
            "..broker.idp..",
            "..broker.token..",
            "..broker.api..",
            "..broker.metrics..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("..broker.cluster..")
        .check(MAIN);
    noClasses()
        .that()
        .resideInAPackage("..broker.cluster..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("..broker.api..", "..broker.metrics..")
        .check(MAIN);
  }

  @Test
  void implPackagesAreUsedOnlyByTheirParentPackage() {
    ArchRules.implPackagesUsedOnlyByTheirParent().check(MAIN);
  }
}
