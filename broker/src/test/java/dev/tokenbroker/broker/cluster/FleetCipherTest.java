package dev.tokenbroker.broker.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.idp.TokenResponse;
import dev.tokenbroker.broker.token.TokenKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FleetCipherTest {

  private static final byte[] SECRET =
      "test-only cluster secret, 32+ bytes long".getBytes(StandardCharsets.UTF_8);
  private static final byte[] OTHER =
      "test-only OTHER cluster secret, 32+ bytes".getBytes(StandardCharsets.UTF_8);
  private static final TokenKey KEY = TokenKey.of("https://students-api", List.of("read:students"));
  private static final TokenKey OTHER_KEY =
      TokenKey.of("https://students-api", List.of("write:students"));
  private static final TokenResponse TOKEN =
      new TokenResponse("eyJ.secret-access-token.sig", "Bearer", "read:students", 1_000, 61_000);

  private final FleetCipher cipher = FleetCipher.fromSecret(SECRET);

  @Test
  void aSealedTokenOpensToTheSameTokenAndKey() {
    String box = cipher.sealToken(KEY, TOKEN);
    assertFalse(
        new String(Base64.getDecoder().decode(box), StandardCharsets.ISO_8859_1)
            .contains("secret-access-token"),
        "ciphertext only");
    FleetCipher.Opened opened = FleetCipher.fromSecret(SECRET).openToken(cipher.keyId(KEY), box);
    assertEquals(KEY, opened.key());
    assertEquals(TOKEN, opened.response());
    assertNotEquals(box, cipher.sealToken(KEY, TOKEN), "a fresh random nonce per seal");
  }

  @Test
  void anotherSecretCannotOpenIt() {
    String box = cipher.sealToken(KEY, TOKEN);
    FleetCipher other = FleetCipher.fromSecret(OTHER);
    assertThrows(FleetCipher.Refused.class, () -> other.openToken(cipher.keyId(KEY), box));
    assertNotEquals(cipher.clusterName(), other.clusterName(), "another secret, another cluster");
    assertNotEquals(cipher.keyId(KEY), other.keyId(KEY));
    assertEquals(cipher.clusterName(), FleetCipher.fromSecret(SECRET).clusterName());
  }

  @Test
  void aTamperedCiphertextIsRefused() {
    byte[] raw = Base64.getDecoder().decode(cipher.sealToken(KEY, TOKEN));
    for (int i : new int[] {0, 12, raw.length / 2, raw.length - 1}) {
      byte[] t = raw.clone();
      t[i] ^= 1;
      String tampered = Base64.getEncoder().encodeToString(t);
      assertThrows(
          FleetCipher.Refused.class, () -> cipher.openToken(cipher.keyId(KEY), tampered), "@" + i);
    }
    assertThrows(FleetCipher.Refused.class, () -> cipher.openToken(cipher.keyId(KEY), "AAAA"));
    assertThrows(FleetCipher.Refused.class, () -> cipher.openToken(cipher.keyId(KEY), "%%%"));
  }

  @Test
  void aCiphertextMovedToAnotherKeyIdIsRefused() {
    String box = cipher.sealToken(KEY, TOKEN);
    assertThrows(FleetCipher.Refused.class, () -> cipher.openToken(cipher.keyId(OTHER_KEY), box));
    // Sealed for OTHER_KEY's id but holding KEY: the content does not match the id.
    String mislabeled = cipher.seal(cipher.keyId(OTHER_KEY), cipher.open(cipher.keyId(KEY), box));
    assertThrows(
        FleetCipher.Refused.class, () -> cipher.openToken(cipher.keyId(OTHER_KEY), mislabeled));
  }

  @Test
  void keyIdsAreStableAndDistinct() {
    assertEquals(cipher.keyId(KEY), cipher.keyId(TokenKey.of(KEY.audience(), KEY.scopes())));
    assertNotEquals(cipher.keyId(KEY), cipher.keyId(OTHER_KEY));
    assertNotEquals(
        cipher.keyId(KEY), cipher.keyId(TokenKey.of("grades", KEY.audience(), KEY.scopes())));
    assertFalse(cipher.keyId(KEY).contains("students"));
  }

  @Test
  void aShortSecretIsRefusedAndNothingPrints(@TempDir Path dir) throws Exception {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> FleetCipher.fromSecret("too short".getBytes(StandardCharsets.UTF_8)));
    assertTrue(e.getMessage().contains("at least 32"), e.getMessage());
    assertFalse(e.getMessage().contains("too short"));
    Path file = dir.resolve("secret");
    Files.write(file, (new String(SECRET, StandardCharsets.UTF_8) + "\n").getBytes());
    FleetCipher fromFile = FleetCipher.fromFile(file);
    assertEquals(cipher.clusterName(), fromFile.clusterName(), "the trailing newline is stripped");
    assertFalse(fromFile.toString().contains(new String(SECRET, StandardCharsets.UTF_8)));
  }
}
