package dev.tokenbroker.students.auth;

import static dev.tokenbroker.students.support.TestTokens.AUDIENCE;
import static dev.tokenbroker.students.support.TestTokens.ISSUER;

import dev.tokenbroker.students.config.TokenValidatorOptions;
import dev.tokenbroker.students.support.Await;
import dev.tokenbroker.students.support.JwksServer;
import dev.tokenbroker.students.support.TestKeys;
import dev.tokenbroker.students.support.TestTokens;
import dev.tokenbroker.testing.MutableClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A validator reading keys from a test IdP that publishes an RS256 key ({@code key-a}), a PS256 key
 * ({@code key-ps}), an ES256 key ({@code key-ec}) and, like Keycloak, an RSA-OAEP encryption key
 * ({@code key-enc}). Refusals are compared by their exact description, so removing a rule turns the
 * answer into another description (or an acceptance) and the test fails.
 */
@ExtendWith(VertxExtension.class)
abstract class ValidatorFixture {

  static final JsonObject KEY_A = TestKeys.rsaJwk(TestKeys.RSA_A, "key-a", "RS256");
  static final JsonObject KEY_PS = TestKeys.rsaJwk(TestKeys.RSA_B, "key-ps", "PS256");
  static final JsonObject KEY_EC = TestKeys.ecJwk(TestKeys.EC_P256, "key-ec");
  static final JsonObject KEY_ENC =
      TestKeys.rsaJwk(TestKeys.RSA_ATTACKER, "key-enc", "RSA-OAEP").put("use", "enc");
  static final JsonObject KEY_ENC_NO_ALG =
      TestKeys.rsaJwk(TestKeys.RSA_ATTACKER, "key-enc-no-alg", null).put("use", "enc");

  final MutableClock clock = MutableClock.atSystemTime();
  JwksServer idp;
  TokenValidator validator;
  long now;

  @BeforeEach
  void setUp(Vertx vertx) {
    idp =
        Await.result(
            new JwksServer().keys(KEY_A, KEY_PS, KEY_EC, KEY_ENC, KEY_ENC_NO_ALG).start(vertx));
    validator = TokenValidator.create(vertx, options(), clock);
    now = clock.epochSecond();
  }

  @AfterEach
  void tearDown() {
    Await.result(validator.keySource().close());
    Await.result(idp.close());
  }

  TokenValidatorOptions options() {
    return new TokenValidatorOptions()
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setJwksUri(idp.jwksUri())
        .setAlgorithms(List.of("RS256", "PS256", "ES256"))
        .setLeewaySeconds(5);
  }

  /** "OK" or the description of the refusal. */
  String outcome(String token) {
    Future<VerifiedToken> result = validator.validate(token);
    Await.failureOrNull(result);
    return result.succeeded() ? "OK" : ((AuthFailure) result.cause()).description();
  }

  String rs256(JsonObject claims) {
    return TestTokens.rs256(TestKeys.RSA_A, "key-a", claims);
  }

  JsonObject claims() {
    return TestTokens.claims(now);
  }
}
