package dev.tokenbroker.broker.idp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.config.IdpOptions;
import dev.tokenbroker.broker.idp.impl.HttpIdpClient;
import dev.tokenbroker.common.config.ConfigReader;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A discovery document is held to the configured URLs' rules: its issuer must equal {@code
 * idp.issuer} exactly, and its token endpoint must be https unless loopback. The document is served
 * by a real HTTP server on 127.0.0.1; a token endpoint it names on this server counts every call,
 * so the test also shows that no token request (carrying the client secret) was sent.
 */
@ExtendWith(VertxExtension.class)
class DiscoveryRulesTest {

  private static final TokenRequest REQUEST = new TokenRequest("https://api", List.of("read"));

  private final AtomicReference<JsonObject> document = new AtomicReference<>();
  private final AtomicInteger tokenCalls = new AtomicInteger();
  private Vertx vertx;
  private HttpServer server;
  private String issuer;
  private HttpIdpClient client;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    this.vertx = vertx;
    server =
        vertx
            .createHttpServer()
            .requestHandler(
                req -> {
                  if (req.path().equals("/realm/.well-known/openid-configuration")) {
                    req.response()
                        .putHeader("Content-Type", "application/json")
                        .end(document.get().encode());
                  } else {
                    tokenCalls.incrementAndGet();
                    req.response()
                        .putHeader("Content-Type", "application/json")
                        .end(
                            "{\"access_token\":\"opaque\",\"token_type\":\"Bearer\",\"expires_in\":60}");
                  }
                })
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    issuer = "http://127.0.0.1:" + server.actualPort() + "/realm";
    client =
        new HttpIdpClient(
            vertx,
            new IdpOptions(
                new ConfigReader(
                    "idp",
                    new JsonObject()
                        .put("issuer", issuer)
                        .put("clientId", "broker")
                        .put("clientSecret", "test-only-secret"))),
            Clock.systemUTC());
  }

  @AfterEach
  void stop() throws Exception {
    client.close().await(10, TimeUnit.SECONDS);
    server.close().await(10, TimeUnit.SECONDS);
  }

  private IdpException refused(JsonObject doc) {
    document.set(doc);
    IdpException e = assertThrows(IdpException.class, () -> client.fetch(REQUEST).await());
    assertEquals(0, tokenCalls.get(), "no token request may be sent");
    return e;
  }

  @Test
  void aLoopbackTokenEndpointIsUsed() {
    document.set(
        new JsonObject()
            .put("issuer", issuer)
            .put("token_endpoint", "http://localhost:" + server.actualPort() + "/token"));
    assertEquals("opaque", client.fetch(REQUEST).await().accessToken());
    assertEquals(1, tokenCalls.get());
  }

  @Test
  void aPlainHttpTokenEndpointOnARemoteHostIsRefused() {
    IdpException e =
        refused(
            new JsonObject()
                .put("issuer", issuer)
                .put("token_endpoint", "http://idp.example.com/token"));
    assertEquals(IdpException.Kind.INVALID_RESPONSE, e.kind());
    assertTrue(
        e.getMessage()
            .contains(
                "discovery: token_endpoint http://idp.example.com/token: plain http is only"
                    + " allowed for loopback hosts"),
        e.getMessage());
  }

  @Test
  void aTokenEndpointOnALookalikeLoopbackNameIsRefused() {
    IdpException e =
        refused(
            new JsonObject()
                .put("issuer", issuer)
                .put("token_endpoint", "http://127.evil.example/token"));
    assertTrue(e.getMessage().contains("discovery: token_endpoint"), e.getMessage());
  }

  @Test
  void aDocumentNamingAnotherIssuerIsRefused() {
    IdpException e =
        refused(
            new JsonObject()
                .put("issuer", "https://other.example/realm")
                .put("token_endpoint", "http://127.0.0.1:" + server.actualPort() + "/token"));
    assertTrue(
        e.getMessage().contains("discovery: the document names another issuer"), e.getMessage());
  }
}
