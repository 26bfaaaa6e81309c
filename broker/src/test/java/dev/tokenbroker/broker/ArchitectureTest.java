package dev.tokenbroker.broker;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.Test;

/**
 * Package dependencies point one way: {@code api -> token -> idp -> config}, {@code metrics} beside
 * {@code api}, the root package ({@code Main}, {@code BrokerVerticle}) wires everything and is used
 * by nothing. An {@code impl} package is used only by its parent package (its factories) and
 * itself. Main code only; tests may reach anywhere.
 */
class ArchitectureTest {

  static final String ROOT = "dev.tokenbroker.broker";

  static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages(ROOT);

  @Test
  void noPackageCycles() {
    slices().assignedFrom(packagesWithTheirImpl(ROOT)).should().beFreeOfCycles().check(MAIN);
  }

  /**
   * One slice per package, its {@code impl} package included: an interface's {@code static create}
   * naming its implementation is the factory pattern, not a cycle.
   */
  static SliceAssignment packagesWithTheirImpl(String root) {
    return new SliceAssignment() {
      @Override
      public SliceIdentifier getIdentifierOf(JavaClass c) {
        String pkg = c.getPackageName();
        if (!pkg.equals(root) && !pkg.startsWith(root + ".")) {
          return SliceIdentifier.ignore();
        }
        return SliceIdentifier.of(pkg.endsWith(".impl") ? pkg.substring(0, pkg.length() - 5) : pkg);
      }

      @Override
      public String getDescription() {
        return "packages of " + root + " (each with its impl package)";
      }
    };
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
    noClasses()
        .that()
        .resideOutsideOfPackage(ROOT)
        .should()
        .dependOnClassesThat()
        .resideInAPackage(ROOT)
        .check(MAIN);
  }

  @Test
  void implPackagesAreUsedOnlyByTheirParentPackage() {
    classes()
        .that()
        .resideInAPackage("..impl..")
        .should(onlyBeUsedFromTheParentPackage())
        .check(MAIN);
  }

  /** Every class using a class of {@code x.impl} lives in {@code x} or {@code x.impl}. */
  static ArchCondition<JavaClass> onlyBeUsedFromTheParentPackage() {
    return new ArchCondition<>("be used only from their parent package") {
      @Override
      public void check(JavaClass target, ConditionEvents events) {
        String pkg = target.getPackageName();
        String parent = pkg.substring(0, pkg.lastIndexOf(".impl"));
        target.getDirectDependenciesToSelf().stream()
            .filter(d -> !d.getOriginClass().getPackageName().equals(parent))
            .filter(d -> !d.getOriginClass().getPackageName().startsWith(parent + ".impl"))
            .forEach(d -> events.add(SimpleConditionEvent.violated(d, d.getDescription())));
      }
    };
  }
}
