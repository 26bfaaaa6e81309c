package dev.tokenbroker.broker.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.config.TokenEntryOptions;
import dev.tokenbroker.common.config.ConfigReader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The pure parts: refresh timing, backoff, the cache key, the access policy. */
class PolicyFunctionsTest {

  private final RefreshPolicy policy = new RefreshPolicy(0.5, 0.1, 5_000);

  @ParameterizedTest(name = "lifetime {0} s, u={1} -> refresh at {2} ms")
  @CsvSource({
    "3600, -1.0, 1620000",
    "3600,  0.0, 1800000",
    "3600,  1.0, 1980000",
    "  60, -1.0,   27000",
    "  60,  1.0,   33000",
    "  10,  0.0,    5000",
    "   2,  1.0,    1100",
  })
  void refreshesAroundHalfTheLifetimeWithJitter(long lifetimeSeconds, double u, long expected) {
    long obtained = 1_000_000;
    assertEquals(
        obtained + expected, policy.refreshAt(obtained, obtained + lifetimeSeconds * 1000, u));
  }

  @ParameterizedTest(name = "lifetime {0} s -> served until {1} ms before expiry")
  @CsvSource({"3600, 5000", "60, 5000", "30, 3000", "10, 1000", "1, 100"})
  void servesUntilExpiryMinusTheMarginCappedAtATenth(long lifetimeSeconds, long marginMillis) {
    long expires = 1_000_000 + lifetimeSeconds * 1000;
    assertEquals(expires - marginMillis, policy.serveUntil(1_000_000, expires));
  }

  @Test
  void refreshNeverComesAfterServeUntil() {
    RefreshPolicy late = new RefreshPolicy(0.9, 0.5, 60_000);
    long expires = 100_000;
    assertTrue(late.refreshAt(0, expires, 1.0) <= late.serveUntil(0, expires));
  }

  @ParameterizedTest(name = "failure {0}, u={1} -> {2} ms")
  @CsvSource({
    "1, 0.0, 1000",
    "1, 0.99, 1000",
    "2, 0.0, 1000",
    "2, 1.0, 2000",
    "3, 0.5, 2500",
    "10, 1.0, 300000",
    "40, 0.0, 1000",
    "1000, 1.0, 300000",
  })
  void backoffIsExponentialWithFullJitterAndBounded(int failures, double u, long expected) {
    assertEquals(expected, new Backoff(1_000, 300_000).delay(failures, u));
  }

  @Test
  void keysAreCanonical() {
    TokenKey a = TokenKey.of("https://api", List.of("b", "a", "b"));
    TokenKey b = TokenKey.of("https://api", List.of("a", "b"));
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertEquals("a b", a.scope());
    assertNotEquals(a, TokenKey.of("https://api", List.of("a")));
    assertNotEquals(a, TokenKey.of("https://api2", List.of("a", "b")));
    // "a b" + "" must not collide with "a" + "b": scopes are tokens, not a concatenation.
    assertNotEquals(TokenKey.of("x", List.of("a b")), TokenKey.of("x", List.of("a", "b")));
  }

  private static AccessPolicy accessPolicy() {
    return new AccessPolicy(
        List.of(
            entry("https://students-api", "read:students", "write:students"),
            entry("https://grades-api", "read:grades")));
  }

  private static TokenEntryOptions entry(String audience, String... scopes) {
    return new TokenEntryOptions(
        new ConfigReader(
            "tokens[0]",
            new JsonObject()
                .put("audience", audience)
                .put("scopes", new JsonArray(List.of(scopes)))));
  }

  @Test
  void policyAllowsTheEntryOrAnySubsetOfItsScopes() {
    AccessPolicy p = accessPolicy();
    assertEquals(
        TokenKey.of("https://students-api", List.of("read:students", "write:students")),
        p.resolve("https://students-api", null));
    assertEquals(
        TokenKey.of("https://students-api", List.of("read:students")),
        p.resolve("https://students-api", "read:students"));
    assertEquals(
        TokenKey.of("https://students-api", List.of("read:students", "write:students")),
        p.resolve("https://students-api", "write:students  read:students read:students"));
  }

  @ParameterizedTest
  @CsvSource({
    "https://students-api, admin",
    "https://students-api, read:students admin",
    "https://grades-api, read:students",
    "https://unknown-api, read:students",
    "https://students-api/, read:students",
  })
  void policyRefusesAnythingElseWith403(String audience, String scope) {
    TokenFailure f =
        assertThrows(TokenFailure.class, () -> accessPolicy().resolve(audience, scope));
    assertEquals(403, f.status());
    assertEquals("access_denied", f.error());
  }

  @Test
  void malformedRequestsAre400() {
    AccessPolicy p = accessPolicy();
    for (String[] bad :
        new String[][] {
          {null, "read:students"},
          {"", null},
          {"https://students-api\n", null},
          {"x".repeat(513), null},
          {"https://students-api", "read:students\u0000"},
          {"https://students-api", "read\"students"},
          {"https://students-api", "r".repeat(10_000)},
        }) {
      TokenFailure f = assertThrows(TokenFailure.class, () -> p.resolve(bad[0], bad[1]));
      assertEquals(400, f.status(), String.valueOf(bad[0]) + " " + bad[1]);
    }
  }

  @Test
  void theClientIsPartOfTheKey() {
    TokenKey a = TokenKey.of("students", "https://api", List.of("b", "a"));
    assertEquals(a, TokenKey.of("students", "https://api", List.of("a", "b", "a")));
    assertEquals("students", a.client());
    assertNotEquals(a, TokenKey.of("grades", "https://api", List.of("a", "b")));
    assertNotEquals(a, TokenKey.of("https://api", List.of("a", "b")));
    assertEquals(TokenKey.DEFAULT_CLIENT, TokenKey.of("https://api", List.of()).client());
    assertEquals(
        new dev.tokenbroker.broker.idp.TokenRequest("https://api", List.of("a", "b")),
        a.request(),
        "the IdP request carries no client: the cache picks the client's IdP");
  }

  private static TokenEntryOptions entryOf(String client, String audience, String... scopes) {
    return new TokenEntryOptions(
        new ConfigReader(
            "tokens[0]",
            new JsonObject()
                .put("audience", audience)
                .put("client", client)
                .put("scopes", new JsonArray(List.of(scopes)))));
  }

  /** students-api by one client, shared-api by two (one of them also grants write). */
  private static AccessPolicy twoClients() {
    return new AccessPolicy(
        List.of(
            entryOf("students", "https://students-api", "read:students"),
            entryOf("students", "https://shared-api", "read"),
            entryOf("grades", "https://shared-api", "read", "write")));
  }

  @Test
  void anAudienceOfOneClientNeedsNoClientParameter() {
    AccessPolicy p = twoClients();
    assertEquals(
        TokenKey.of("students", "https://students-api", List.of("read:students")),
        p.resolve("https://students-api", null));
    assertEquals(
        TokenKey.of("students", "https://students-api", List.of("read:students")),
        p.resolve("https://students-api", null, "students"));
    // only the grades entry allows write: no ambiguity
    assertEquals(
        TokenKey.of("grades", "https://shared-api", List.of("write")),
        p.resolve("https://shared-api", "write"));
  }

  @Test
  void entriesOfTwoClientsThatCouldMatchNeedTheClient() {
    AccessPolicy p = twoClients();
    for (String scope : new String[] {null, "read"}) {
      TokenFailure f =
          assertThrows(TokenFailure.class, () -> p.resolve("https://shared-api", scope));
      assertEquals(400, f.status());
      assertEquals("invalid_request", f.error());
      assertTrue(f.description().contains("(students, grades)"), f.description());
      assertTrue(f.description().contains("client"), f.description());
    }
    assertEquals(
        TokenKey.of("grades", "https://shared-api", List.of("read", "write")),
        p.resolve("https://shared-api", null, "grades"));
    assertEquals(
        TokenKey.of("students", "https://shared-api", List.of("read")),
        p.resolve("https://shared-api", "read", "students"));
  }

  @ParameterizedTest
  @CsvSource({
    "https://shared-api, read, nobody, 403, client nobody is not allowed",
    "https://students-api, , grades, 403, this audience is not allowed for client grades",
    "https://shared-api, write, students, 403, a requested scope is not allowed for this audience",
    "https://shared-api, read, two words, 400, client is not a client name",
    "https://shared-api, read, -x, 400, client is not a client name",
  })
  void aClientThatMatchesNoEntryIsRefusedLikeAnyOtherRequest(
      String audience, String scope, String client, int status, String description) {
    TokenFailure f =
        assertThrows(TokenFailure.class, () -> twoClients().resolve(audience, scope, client));
    assertEquals(status, f.status());
    assertTrue(f.description().startsWith(description), f.description());
  }

  @Test
  void anEmptyClientMeansNone() {
    assertEquals(
        TokenKey.of("students", "https://students-api", List.of("read:students")),
        twoClients().resolve("https://students-api", null, ""));
  }

  @Test
  void prefetchKeysNameTheirClient() {
    assertEquals(
        List.of(
            TokenKey.of("students", "https://students-api", List.of("read:students")),
            TokenKey.of("students", "https://shared-api", List.of("read")),
            TokenKey.of("grades", "https://shared-api", List.of("read", "write"))),
        twoClients().prefetchKeys());
  }
}
