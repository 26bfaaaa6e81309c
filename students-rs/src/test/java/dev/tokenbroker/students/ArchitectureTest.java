package dev.tokenbroker.students;

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
 * Package dependencies point one way: {@code api -> auth -> config}, {@code metrics -> auth} (it
 * implements {@code auth.KeySourceMetrics}), the root package ({@code Main}, {@code
 * StudentsVerticle}) wires everything and is used by nothing. An {@code impl} package is used only
 * by its parent package (its factories) and itself: {@code api.impl} never reaches into {@code
 * auth.impl}. Main code only.
 */
class ArchitectureTest {

  static final String ROOT = "dev.tokenbroker.students";

  static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages(ROOT);

  @Test
  void noPackageCycles() {
    slices().assignedFrom(packagesWithTheirImpl()).should().beFreeOfCycles().check(MAIN);
  }

  /** One slice per package, its {@code impl} included (the {@code static create} factories). */
  static SliceAssignment packagesWithTheirImpl() {
    return new SliceAssignment() {
      @Override
      public SliceIdentifier getIdentifierOf(JavaClass c) {
        String pkg = c.getPackageName();
        if (!pkg.equals(ROOT) && !pkg.startsWith(ROOT + ".")) {
          return SliceIdentifier.ignore();
        }
        return SliceIdentifier.of(pkg.endsWith(".impl") ? pkg.substring(0, pkg.length() - 5) : pkg);
      }

      @Override
      public String getDescription() {
        return "packages of " + ROOT + " (each with its impl package)";
      }
    };
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
    noClasses()
        .that()
        .resideOutsideOfPackage(ROOT)
        .should()
        .dependOnClassesThat()
        .resideInAPackage(ROOT)
        .check(MAIN);
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
    classes()
        .that()
        .resideInAPackage("..impl..")
        .should(
            new ArchCondition<>("be used only from their parent package") {
              @Override
              public void check(JavaClass target, ConditionEvents events) {
                String pkg = target.getPackageName();
                String parent = pkg.substring(0, pkg.lastIndexOf(".impl"));
                target.getDirectDependenciesToSelf().stream()
                    .filter(d -> !d.getOriginClass().getPackageName().equals(parent))
                    .filter(d -> !d.getOriginClass().getPackageName().startsWith(parent + ".impl"))
                    .forEach(d -> events.add(SimpleConditionEvent.violated(d, d.getDescription())));
              }
            })
        .check(MAIN);
  }
}
