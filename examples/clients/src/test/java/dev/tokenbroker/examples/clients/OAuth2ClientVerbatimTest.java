package dev.tokenbroker.examples.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The seed's Node {@code OAuth2Client} class in {@code node/OAuth2Client.js} is the seed's, byte for
 * byte: the promise is that it works with the broker without a code change. The digest is
 * the SHA-256 of the class as the seed prints it (from {@code class OAuth2Client {} to its closing
 * brace and newline, 1799 bytes).
 */
class OAuth2ClientVerbatimTest {

  static final String SEED_CLASS_SHA256 =
      "2bff07f81388780d83c78be41e1da9d693b449102bd6a7e0289da693f6e19b15";

  @Test
  void theClassIsTheSeedsUnchanged() throws Exception {
    String file =
        Files.readString(SnippetsTest.DIR.resolve("node/OAuth2Client.js"), StandardCharsets.UTF_8);
    int start = file.indexOf("class OAuth2Client {");
    int end = file.indexOf("\nmodule.exports");
    assertTrue(start >= 0 && end > start, "class or export not found");
    String cls = file.substring(start, end);
    byte[] digest =
        MessageDigest.getInstance("SHA-256").digest(cls.getBytes(StandardCharsets.UTF_8));
    assertEquals(SEED_CLASS_SHA256, HexFormat.of().formatHex(digest), "the class was changed");
  }
}
