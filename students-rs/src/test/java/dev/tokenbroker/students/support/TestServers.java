package dev.tokenbroker.students.support;

import dev.tokenbroker.students.StudentsVerticle;
import dev.tokenbroker.students.config.StudentsOptions;
import dev.tokenbroker.students.config.TokenValidatorOptions;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.List;

/** Options and deployment of the resource server under test, on 127.0.0.1:0. */
public final class TestServers {

  public static final String ALLOWED_ORIGIN = "https://app.example";

  private TestServers() {}

  public static StudentsOptions options(JwksServer idp) {
    return new StudentsOptions()
        .setPort(0)
        .setCorsAllowedOrigins(List.of(ALLOWED_ORIGIN))
        .setToken(
            new TokenValidatorOptions()
                .setIssuer(TestTokens.ISSUER)
                .setAudience(TestTokens.AUDIENCE)
                .setJwksUri(idp.jwksUri()));
  }

  public static StudentsVerticle deploy(Vertx vertx, StudentsOptions options, Clock clock) {
    StudentsVerticle verticle = new StudentsVerticle(options, clock);
    Await.result(vertx.deployVerticle(verticle));
    return verticle;
  }
}
