package dev.tokenbroker.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {

  private static final Map<String, String> ENV = Map.of("PORT", "8080", "EVIL", "x\nkey: value");

  private static JsonObject parse(String yaml) {
    return ConfigLoader.parse(yaml, ENV::get);
  }

  @Test
  void interpolatesAfterParsingSoAValueCannotChangeTheStructure() {
    JsonObject json = parse("http:\n  port: ${PORT}\nname: ${EVIL}\n");
    assertEquals("8080", json.getJsonObject("http").getString("port"));
    assertEquals("x\nkey: value", json.getString("name"));
    assertFalse(json.containsKey("key"));
    assertEquals(8080, ConfigReader.root(json).object("http").integer("port", 1));
  }

  @Test
  void fieldPathsInListsAndMappings() {
    ConfigException e =
        assertThrows(ConfigException.class, () -> parse("tokens:\n  - scopes: [a, '${NOPE}']\n"));
    assertEquals("tokens[0].scopes[1]", e.field());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "'a: 1\na: 2'       | config file",
        "'- a\n- b'         | config file",
        "'a: [1'            | config file",
        "'a: ${X'           | a",
      })
  void badDocumentsNameTheField(String yaml, String field) {
    ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml));
    assertEquals(field, e.field(), e.getMessage());
  }

  @Test
  void duplicateKeysDoNotEchoValues() {
    ConfigException e =
        assertThrows(ConfigException.class, () -> parse("a: secret-one\na: secret-two\n"));
    assertTrue(e.problem().contains("duplicate key a"), e.problem());
    assertFalse(e.getMessage().contains("secret"));
  }

  @Test
  void emptyAndMissingFiles(@TempDir Path dir) throws Exception {
    Path empty = Files.writeString(dir.resolve("empty.yaml"), "");
    assertEquals(
        "config file: is empty",
        assertThrows(ConfigException.class, () -> ConfigLoader.load(empty, ENV::get)).getMessage());
    ConfigException missing =
        assertThrows(
            ConfigException.class, () -> ConfigLoader.load(dir.resolve("nope.yaml"), ENV::get));
    assertEquals(ConfigLoader.FILE_FIELD, missing.field());
  }

  @Test
  void readerIsStrict() {
    ConfigReader r = ConfigReader.root(parse("a: 1\nb: x\nc: {d: 2}\nn: 5000\n"));
    assertEquals(1, r.integer("a", 0));
    assertEquals(
        "b: must be an integer",
        assertThrows(ConfigException.class, () -> r.integer("b", 0)).getMessage());
    assertEquals(
        "n: must be between 1 and 10, was 5000",
        assertThrows(ConfigException.class, () -> r.integer("n", 1, 1, 10)).getMessage());
    assertEquals(
        "c.d", assertThrows(ConfigException.class, () -> r.object("c").bool("d", false)).field());
    ConfigReader partly = ConfigReader.root(parse("a: 1\nc: 2\n"));
    partly.integer("a", 0);
    assertEquals(
        "c: unknown key",
        assertThrows(ConfigException.class, partly::rejectUnknownKeys).getMessage());
    assertEquals(
        "b: unknown key (known: a)",
        assertThrows(ConfigException.class, () -> r.rejectUnknown(Set.of("a"))).getMessage());
  }
}
