package dev.tokenbroker.broker.idp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.config.IdpOptions;
import dev.tokenbroker.broker.idp.impl.HttpIdpClient;
import dev.tokenbroker.broker.testing.FaultProxy;
import dev.tokenbroker.broker.testing.TestIdp;
import dev.tokenbroker.broker.token.TokenKey;
import dev.tokenbroker.common.config.ConfigReader;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What the broker puts on the wire, as the IdP receives it, and how it reads the answers. */
@ExtendWith(VertxExtension.class)
class IdpWireFormatTest {

  private static final TokenRequest KEY =
      TokenKey.of(TestIdp.AUDIENCE, List.of("read:students", "write:students")).request();

  private TestIdp idp;
  private Vertx vertx;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    this.vertx = vertx;
    idp = TestIdp.start(vertx);
  }

  @AfterEach
  void tearDown() throws Exception {
    idp.close();
  }

  private HttpIdpClient client(JsonObject overrides) {
    return idp.client(vertx, Clock.systemUTC(), overrides);
  }

  private static Map<String, String> form(String body) {
    Map<String, String> out = new HashMap<>();
    for (String pair : body.split("&")) {
      String[] kv = pair.split("=", 2);
      String k = URLDecoder.decode(kv[0], StandardCharsets.UTF_8);
      if (out.put(k, URLDecoder.decode(kv[1], StandardCharsets.UTF_8)) != null) {
        throw new AssertionError("repeated form parameter " + k);
      }
    }
    return out;
  }

  private FaultProxy.Recorded onlyRequest() {
    assertEquals(1, idp.proxy().recorded().size());
    return idp.proxy().recorded().get(0);
  }

  @Test
  void clientSecretBasicEncodesIdAndSecretBeforeBase64() {
    TokenResponse r = client(new JsonObject()).fetch(KEY).await();
    assertEquals("Bearer", r.tokenType());
    FaultProxy.Recorded req = onlyRequest();
    String expected =
        URLEncoder.encode(TestIdp.CLIENT_ID, StandardCharsets.UTF_8)
            + ":"
            + URLEncoder.encode(TestIdp.CLIENT_SECRET, StandardCharsets.UTF_8);
    assertEquals(
        "Basic " + Base64.getEncoder().encodeToString(expected.getBytes(StandardCharsets.UTF_8)),
        req.headers().get("Authorization"));
    assertTrue(req.headers().get("Content-Type").startsWith("application/x-www-form-urlencoded"));
    Map<String, String> form = form(req.body());
    assertEquals("client_credentials", form.get("grant_type"));
    assertEquals("read:students write:students", form.get("scope"));
    assertEquals(TestIdp.AUDIENCE, form.get("audience"));
    assertFalse(form.containsKey("client_secret"));
    assertFalse(form.containsKey("client_id"));
  }

  @Test
  void clientSecretPostPutsCredentialsInTheForm() {
    client(new JsonObject().put("authMethod", "client_secret_post")).fetch(KEY).await();
    FaultProxy.Recorded req = onlyRequest();
    assertNull(req.headers().get("Authorization"));
    Map<String, String> form = form(req.body());
    assertEquals(TestIdp.CLIENT_ID, form.get("client_id"));
    assertEquals(TestIdp.CLIENT_SECRET, form.get("client_secret"));
  }

  @Test
  void resourceParameterStyle() {
    TokenResponse r =
        client(new JsonObject().put("audienceParameter", "resource")).fetch(KEY).await();
    Map<String, String> form = form(onlyRequest().body());
    assertEquals(TestIdp.AUDIENCE, form.get("resource"));
    assertFalse(form.containsKey("audience"));
    assertEquals("read:students write:students", r.scope());
  }

  @Test
  void noAudienceParameterStyle() {
    client(new JsonObject().put("audienceParameter", "none")).fetch(KEY).await();
    Map<String, String> form = form(onlyRequest().body());
    assertFalse(form.containsKey("audience"));
    assertFalse(form.containsKey("resource"));
  }

  @Test
  void discoveryFindsTheTokenEndpoint() {
    JsonObject json =
        new JsonObject()
            .put("issuer", idp.issuer())
            .put("clientId", TestIdp.CLIENT_ID)
            .put("clientSecret", TestIdp.CLIENT_SECRET);
    HttpIdpClient c =
        new HttpIdpClient(vertx, new IdpOptions(new ConfigReader("idp", json)), Clock.systemUTC());
    TokenResponse r = c.fetch(KEY).await();
    assertTrue(r.accessToken().split("\\.").length == 3);
    assertEquals("/default/token", onlyRequest().path());
  }

  @Test
  void idpErrorsAreTypedWithStatusErrorAndDescription() {
    idp.proxy()
        .override(
            req ->
                req.response()
                    .setStatusCode(400)
                    .putHeader("Content-Type", "application/json")
                    .end(
                        "{\"error\":\"invalid_scope\",\"error_description\":\"scope not allowed\"}"));
    IdpException e =
        assertThrows(IdpException.class, () -> client(new JsonObject()).fetch(KEY).await());
    assertEquals(IdpException.Kind.REFUSED, e.kind());
    assertEquals(400, e.httpStatus());
    assertEquals("invalid_scope", e.error());
    assertEquals("scope not allowed", e.errorDescription());
    assertFalse(e.retryable());
  }

  @Test
  void rateLimitCarriesRetryAfter() {
    idp.proxy().mode(FaultProxy.Mode.RATE_LIMITED_429).retryAfter("7");
    IdpException e =
        assertThrows(IdpException.class, () -> client(new JsonObject()).fetch(KEY).await());
    assertEquals(IdpException.Kind.RATE_LIMITED, e.kind());
    assertEquals(7_000, e.retryAfterMillis());
    assertTrue(e.retryable());
  }
}
