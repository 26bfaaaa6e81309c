package dev.tokenbroker.students;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import dev.tokenbroker.testing.ArchRules;
import org.junit.jupiter.api.Test;

/**
 * Package dependencies point one way: {@code api -> auth -> config}, {@code metrics -> auth} (it
 * implements {@code auth.KeySourceMetrics}), the root package ({@code Main}, {@code
 * StudentsVerticle}) wires everything and is used by nothing. An {@code impl} package is used only
 * by its parent package (its factories) and itself: {@code api.impl} never reaches into {@code
 * auth.impl}. Main code only.
 */
class ArchitectureTest {

  static final String ROOT = "dev.tokenbroker.students";

  static final JavaClasses MAIN = ArchRules.mainClasses(ROOT);

  @Test
  void noPackageCycles() {
    ArchRules.noPackageCycles(ROOT).check(MAIN);
  }

  @Test
  void layersPointOneWay() {
    noClasses()
        .that()
        .resideInAPackage("..students.config..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("..students.auth..", "..students.api..", "..students.metrics..")
        .check(MAIN);
    noClasses()
        .that()
        .resideInAPackage("..students.auth..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("..students.api..", "..students.metrics..")
        .check(MAIN);
    ArchRules.rootPackageUsedByNothing(ROOT).check(MAIN);
  }

  @Test
  void apiDoesNotReachIntoAuthImpl() {
    noClasses()
        .that()
        .resideInAPackage("..students.api..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("..students.auth.impl..")
        .check(MAIN);
  }

  @Test
  void implPackagesAreUsedOnlyByTheirParentPackage() {
    ArchRules.implPackagesUsedOnlyByTheirParent().check(MAIN);
  }
}
