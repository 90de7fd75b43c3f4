package io.messageorchestrator;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Guards the dependency decisions of the pom (H19), which a later edit could silently undo. */
@DisplayName("Dependencies")
class DependenciesTest {

  @Test
  @DisplayName("jackson-databind is not shipped: Vert.x JSON needs jackson-core only")
  void noJacksonDatabind() {
    assertThatThrownBy(() -> Class.forName("com.fasterxml.jackson.databind.ObjectMapper"))
      .isInstanceOf(ClassNotFoundException.class);
  }

  @Test
  @DisplayName("vertx-launcher-application is not shipped: Main starts Vert.x itself")
  void noVertxLauncher() {
    assertThatThrownBy(() -> Class.forName("io.vertx.launcher.application.VertxApplication"))
      .isInstanceOf(ClassNotFoundException.class);
  }

  @Test
  @DisplayName("the Prometheus registry takes its version from the Micrometer BOM, not from a version of its own")
  void prometheusRegistryVersionFromBom() throws Exception {
    String pom = Files.readString(Path.of("pom.xml"));
    assertThat(pom).contains("<artifactId>micrometer-bom</artifactId>");
    Matcher registry = Pattern.compile("<dependency>((?:(?!</dependency>).)*micrometer-registry-prometheus"
      + "(?:(?!</dependency>).)*)</dependency>", Pattern.DOTALL).matcher(pom);
    assertThat(registry.find()).isTrue();
    assertThat(registry.group(1)).doesNotContain("<version>");
  }

  @Test
  @DisplayName("vertx-pg-client (the postgres journal) takes its version from the Vert.x BOM, like every Vert.x module")
  void pgClientVersionFromBom() throws Exception {
    String pom = Files.readString(Path.of("pom.xml"));
    Matcher pgClient = Pattern.compile("<dependency>((?:(?!</dependency>).)*<artifactId>vertx-pg-client</artifactId>"
      + "(?:(?!</dependency>).)*)</dependency>", Pattern.DOTALL).matcher(pom);
    assertThat(pgClient.find()).isTrue();
    assertThat(pgClient.group(1)).doesNotContain("<version>");
    // The client is non-blocking: it must not drag a JDBC driver in.
    assertThatThrownBy(() -> Class.forName("org.postgresql.Driver")).isInstanceOf(ClassNotFoundException.class);
  }

  @Test
  @DisplayName("the shaded jar is written beside the plain jar, so a second build never shades a shaded jar")
  void shadedJarIsSeparateFromTheMainArtifact() throws Exception {
    String pom = Files.readString(Path.of("pom.xml"));
    assertThat(pom).contains("<outputFile>${project.build.directory}/message-orchestrator.jar</outputFile>")
      .doesNotContain("<finalName>message-orchestrator</finalName>");
  }
}
