package io.messageorchestrator.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.Location;
import io.messageorchestrator.Main;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * Packages by feature, without cycles: {@code core} holds the values every feature shares and depends on no feature;
 * features may depend on {@code core}, {@code config} and {@code eventbus}, never on each other in a circle.
 * (Plain JUnit tests over ArchUnit's core: its JUnit 5 engine needs a newer JUnit platform than the Vert.x BOM's.)
 */
class PackageStructureTest {
  private static final String[] FEATURES = {"io.messageorchestrator.agent..", "io.messageorchestrator.orchestrator..",
    "io.messageorchestrator.http..", "io.messageorchestrator.webhook..", "io.messageorchestrator.outbound.."};
  private static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() {
    // The main classes' own folder (or jar), wherever the build put it: tests never count.
    classes = new ClassFileImporter().importLocations(
      List.of(Location.of(Main.class.getProtectionDomain().getCodeSource().getLocation())));
  }

  @Test
  void noPackageCycles() {
    slices().matching("io.messageorchestrator.(*)..").should().beFreeOfCycles().check(classes);
  }

  @Test
  void coreDependsOnNoFeature() {
    noClasses().that().resideInAPackage("io.messageorchestrator.core..")
      .should().dependOnClassesThat().resideInAnyPackage(FEATURES).check(classes);
  }

  /** The journal (its stores and its admin verticle) is reached over the event bus, never the other way round. */
  @Test
  void journalDependsOnNoFeatureThatUsesIt() {
    noClasses().that().resideInAPackage("io.messageorchestrator.journal..")
      .should().dependOnClassesThat().resideInAnyPackage("io.messageorchestrator.orchestrator..",
        "io.messageorchestrator.http..", "io.messageorchestrator.webhook..").check(classes);
  }

  @Test
  void orchestratorDoesNotDependOnTheAgentImplementations() {
    noClasses().that().resideInAPackage("io.messageorchestrator.orchestrator..")
      .should().dependOnClassesThat().resideInAPackage("io.messageorchestrator.agent..").check(classes);
  }
}
