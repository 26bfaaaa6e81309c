package dev.tokenbroker.common.oidc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.common.net.BoundedHttp;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Discovery against a real HTTP server on 127.0.0.1 serving the document under test. */
@ExtendWith(VertxExtension.class)
class DiscoveryTest {

  private final AtomicReference<JsonObject> served = new AtomicReference<>();
  private HttpServer server;
  private HttpClient client;
  private BoundedHttp http;
  private String issuer;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    server =
        vertx
            .createHttpServer()
            .requestHandler(
                req -> {
                  if (req.path().endsWith(Discovery.WELL_KNOWN)) {
                    req.response()
                        .putHeader("Content-Type", "application/json")
                        .end(served.get().encode());
                  } else {
                    req.response().setStatusCode(404).end();
                  }
                })
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    issuer = "http://127.0.0.1:" + server.actualPort() + "/realms/demo";
    client = vertx.createHttpClient();
    http = new BoundedHttp(vertx.getOrCreateContext(), client, 5_000, 64 * 1024);
  }

  @AfterEach
  void stop() throws Exception {
    client.close().await(10, TimeUnit.SECONDS);
    server.close().await(10, TimeUnit.SECONDS);
  }

  private Future<ProviderMetadata> discover(JsonObject doc) {
    served.set(doc);
    return Discovery.discover(http, issuer, false, "token_endpoint", "jwks_uri");
  }

  private JsonObject doc(String tokenEndpoint, String jwksUri) {
    return new JsonObject()
        .put("issuer", issuer)
        .put("token_endpoint", tokenEndpoint)
        .put("jwks_uri", jwksUri);
  }

  private DiscoveryException refused(Future<?> f) throws Exception {
    Throwable t =
        f.toCompletionStage().toCompletableFuture().handle((v, e) -> e).get(10, TimeUnit.SECONDS);
    if (t instanceof java.util.concurrent.CompletionException) {
      t = t.getCause();
    }
    return assertInstanceOf(DiscoveryException.class, t);
  }

  @Test
  void loopbackEndpointsAreAccepted() throws Exception {
    String base = "http://127.0.0.1:" + server.actualPort();
    ProviderMetadata m =
        discover(doc(base + "/token", "http://localhost:1/jwks")).await(10, TimeUnit.SECONDS);
    assertEquals(URI.create(base + "/token"), m.endpoint("token_endpoint"));
    assertEquals(URI.create("http://localhost:1/jwks"), m.endpoint("jwks_uri"));
    served.set(doc("http://[::1]:2/token", "https://idp.example/jwks"));
    assertEquals(
        URI.create("http://[::1]:2/token"),
        Discovery.discover(http, issuer, false, "token_endpoint")
            .await(10, TimeUnit.SECONDS)
            .endpoint("token_endpoint"));
  }

  @Test
  void plainHttpTokenEndpointOnARemoteHostIsRefused() throws Exception {
    DiscoveryException e =
        refused(discover(doc("http://idp.example/token", "https://idp.example/jwks")));
    assertTrue(
        e.getMessage()
            .startsWith(
                "discovery: token_endpoint http://idp.example/token: plain http is only allowed for loopback hosts"),
        e.getMessage());
    assertFalse(e.retryable());
  }

  @Test
  void aPrefixThatLooksLoopbackIsRefused() throws Exception {
    DiscoveryException e =
        refused(discover(doc("http://127.evil.example/token", "https://idp.example/jwks")));
    assertTrue(e.getMessage().contains("token_endpoint"), e.getMessage());
  }

  @Test
  void plainHttpJwksUriOnARemoteHostIsRefused() throws Exception {
    DiscoveryException e =
        refused(discover(doc("https://idp.example/token", "http://keys.example/jwks")));
    assertTrue(
        e.getMessage().startsWith("discovery: jwks_uri http://keys.example/jwks: plain http"),
        e.getMessage());
  }

  @Test
  void anotherIssuerIsRefused() throws Exception {
    JsonObject d = doc("https://idp.example/token", "https://idp.example/jwks");
    d.put("issuer", issuer + "/");
    DiscoveryException e = refused(discover(d));
    assertTrue(
        e.getMessage().startsWith("discovery: the document names another issuer"), e.getMessage());
  }

  @Test
  void missingEndpointAndNonJsonAreDiscoveryErrors() throws Exception {
    JsonObject d = new JsonObject().put("issuer", issuer);
    assertEquals(
        "discovery: the document has no token_endpoint", refused(discover(d)).getMessage());
    served.set(null);
    DiscoveryException notFound =
        refused(Discovery.discover(http, issuer + "/nope/..x", false, "token_endpoint"));
    assertTrue(notFound.retryable());
  }
}
