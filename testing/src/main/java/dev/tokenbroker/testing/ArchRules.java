package dev.tokenbroker.testing;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;

/**
 * The architecture rules every service follows, for its {@code ArchitectureTest} (ArchUnit): no
 * package cycles (a package counted together with its {@code impl}), an {@code impl} package used
 * only by its parent package, the root package (wiring) used by nothing.
 */
public final class ArchRules {

  private ArchRules() {}

  /** The main classes (no tests) of the packages under {@code root}. */
  public static JavaClasses mainClasses(String root) {
    return new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages(root);
  }

  /**
   * No cycles between the packages under {@code root}, each with its {@code impl} package: an
   * interface's {@code static create} naming its implementation is the factory pattern, not a
   * cycle.
   */
  public static ArchRule noPackageCycles(String root) {
    return slices().assignedFrom(packagesWithTheirImpl(root)).should().beFreeOfCycles();
  }

  /** Nothing outside the root package depends on it (it holds {@code Main} and the verticle). */
  public static ArchRule rootPackageUsedByNothing(String root) {
    return noClasses()
        .that()
        .resideOutsideOfPackage(root)
        .should()
        .dependOnClassesThat()
        .resideInAPackage(root);
  }

  /** Every class using a class of {@code x.impl} lives in {@code x} or {@code x.impl}. */
  public static ArchRule implPackagesUsedOnlyByTheirParent() {
    return classes()
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
            });
  }

  private static SliceAssignment packagesWithTheirImpl(String root) {
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
}
