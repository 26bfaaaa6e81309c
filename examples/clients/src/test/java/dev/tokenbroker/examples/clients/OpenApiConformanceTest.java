package dev.tokenbroker.examples.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The broker answers as {@code docs/openapi.yaml} says: real requests to a running broker (the same
 * {@link Stack} the snippets use), and each answer's status must be documented for that operation,
 * its content type and documented headers present, and its body valid against the documented schema
 * (JSON Schema 2020-12, OpenAPI 3.1's dialect, with networknt's validator). The document's own
 * validity is checked by Redocly CLI ({@code docs/check.sh}).
 */
class OpenApiConformanceTest {

  static final Path DOC = Path.of(System.getProperty("openapi.file", "../../docs/openapi.yaml"));
  static final ObjectMapper JSON = new ObjectMapper();
  static final JsonSchemaFactory SCHEMAS =
      JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

  static Stack stack;
  static JsonNode doc;
  static HttpClient http;

  @BeforeAll
  static void start() throws Exception {
    Object yaml = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(DOC));
    doc = JSON.valueToTree(yaml);
    assertEquals("3.1.0", doc.path("openapi").asText());
    stack = Stack.start(SnippetsTest.WORK.resolveSibling("openapi-conformance"));
    http = HttpClient.newHttpClient();
  }

  @AfterAll
  static void stop() throws Exception {
    if (stack != null) {
      stack.close();
    }
  }

  // --- the token API ---

  @Test
  void tokenAnswers() throws Exception {
    JsonNode ok = check("get", "/v1/token", get("/v1/token?" + query(), true), 200);
    assertEquals(Stack.SCOPE, ok.path("scope").asText());
    check("get", "/v1/token", get("/v1/token?" + query(), false), 403);
    check("get", "/v1/token", get("/v1/token", true), 400);
    check("get", "/v1/token", get("/v1/token?audience=https%3A%2F%2Felsewhere", true), 403);
    check(
        "get",
        "/v1/token",
        send(base("/v1/token?" + query(), true).POST(HttpRequest.BodyPublishers.noBody())),
        405);
  }

  /** The optional caller identity on GET /v1/token: a local client's allow list applies. */
  @Test
  void tokenAnswersForAnIdentifiedCaller() throws Exception {
    String uri = "/v1/token?" + query();
    check(
        "get",
        "/v1/token",
        send(base(uri, true).header("Authorization", basic(Stack.LOCAL_CLIENT_SECRET))),
        200);
    check("get", "/v1/token", send(base(uri, true).header("Authorization", basic("wrong"))), 401);
    String narrower = uri.replace("read%3Astudents", "write%3Astudents");
    check(
        "get",
        "/v1/token",
        send(base(narrower, true).header("Authorization", basic(Stack.LOCAL_CLIENT_SECRET))),
        400);
  }

  @Test
  void invalidateAnswers() throws Exception {
    String body =
        "{\"audience\":\""
            + Stack.AUDIENCE
            + "\",\"scope\":\""
            + Stack.SCOPE
            + "\",\"access_token\":\"not-the-held-one\"}";
    JsonNode r =
        check(
            "post",
            "/v1/token/invalidate",
            post("/v1/token/invalidate", "application/json", body, true),
            202);
    assertEquals("not_current", r.path("result").asText());
    check(
        "post",
        "/v1/token/invalidate",
        post("/v1/token/invalidate", "application/json", "[1]", true),
        400);
    check(
        "post",
        "/v1/token/invalidate",
        post("/v1/token/invalidate", "application/json", body, false),
        403);
  }

  // --- the drop-in endpoint and its metadata ---

  @Test
  void dropInTokenAnswers() throws Exception {
    String form =
        "grant_type=client_credentials&scope=read%3Astudents&audience="
            + URLEncoder.encode(Stack.AUDIENCE, StandardCharsets.UTF_8);
    JsonNode ok = check("post", "/oauth/token", oauth(form, Stack.LOCAL_CLIENT_SECRET), 200);
    assertEquals("Bearer", ok.path("token_type").asText());
    check("post", "/oauth/token", oauth(form, "wrong secret"), 401);
    check(
        "post",
        "/oauth/token",
        oauth(form.replace("client_credentials", "password"), Stack.LOCAL_CLIENT_SECRET),
        400);
    check(
        "post",
        "/oauth/token",
        oauth(form.replace("read%3Astudents", "write%3Astudents"), Stack.LOCAL_CLIENT_SECRET),
        400);
  }

  @Test
  void metadataAnswers() throws Exception {
    for (String path :
        new String[] {
          "/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"
        }) {
      JsonNode m = check("get", path, get(path, false), 200);
      assertEquals(stack.brokerUrl(), m.path("issuer").asText());
      assertEquals(stack.brokerUrl() + "/oauth/token", m.path("token_endpoint").asText());
    }
  }

  // --- health and metrics ---

  @Test
  void healthAndMetricsAnswers() throws Exception {
    check("get", "/health/live", get("/health/live", false), 200);
    JsonNode ready = check("get", "/health/ready", get("/health/ready", false), 200);
    assertEquals("UP", ready.path("status").asText());
    HttpResponse<String> metrics = get("/metrics", false);
    check("get", "/metrics", metrics, 200);
    assertTrue(metrics.body().contains("# TYPE"), "not a Prometheus scrape");
  }

  /**
   * With the IdP unreachable: 503 {@code temporarily_unavailable} with {@code Retry-After} from
   * both token endpoints, and the readiness report (503) carrying the key's last error.
   */
  @Test
  void idpDownAnswers() throws Exception {
    int closed;
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    io.vertx.core.json.JsonObject config = Stack.brokerConfig(stack.idp, true);
    config.getJsonObject("idp").put("tokenEndpoint", "http://127.0.0.1:" + closed + "/token");
    config.getJsonObject("eventBus").getJsonObject("tcpBridge").put("enabled", false);
    config.getJsonArray("tokens").getJsonObject(0).put("prefetch", true);
    config.put("cache", new io.vertx.core.json.JsonObject().put("maxWaitMillis", 300));
    Path file = SnippetsTest.WORK.resolveSibling("openapi-conformance").resolve("idp-down.yaml");
    Files.writeString(file, config.encodePrettily());
    try (dev.tokenbroker.testing.ChildProcess broker = Stack.startBroker("idp-down-broker", file)) {
      String url = "http://127.0.0.1:" + Stack.httpPort(broker);
      check(
          "get",
          "/v1/token",
          send(
              HttpRequest.newBuilder(URI.create(url + "/v1/token?" + query()))
                  .header("Token-Broker-Request", "true")),
          503);
      String form =
          "grant_type=client_credentials&scope=read%3Astudents&audience="
              + URLEncoder.encode(Stack.AUDIENCE, StandardCharsets.UTF_8);
      check(
          "post",
          "/oauth/token",
          send(
              HttpRequest.newBuilder(URI.create(url + "/oauth/token"))
                  .header("Authorization", basic(Stack.LOCAL_CLIENT_SECRET))
                  .header("Content-Type", "application/x-www-form-urlencoded")
                  .POST(HttpRequest.BodyPublishers.ofString(form))),
          503);
      // The 503s above waited for failed fetches, so the key has recorded its error by now.
      JsonNode ready =
          check(
              "get",
              "/health/ready",
              send(HttpRequest.newBuilder(URI.create(url + "/health/ready"))),
              503);
      assertEquals("DOWN", ready.path("status").asText());
      assertFalse(ready.path("keys").path(0).path("last_error").isMissingNode(), ready.toString());
    }
  }

  @Test
  void unknownPathIsTheDocumentedNotFound() throws Exception {
    HttpResponse<String> r = get("/no/such/endpoint", false);
    assertEquals(404, r.statusCode());
    validate(ref("#/components/responses/NotFound"), r, "GET /no/such/endpoint");
  }

  /** The validator is live: answers that break the document are refused. */
  @Test
  void aBodyThatBreaksTheDocumentIsRefused() throws Exception {
    JsonSchema token = schema(ref("#/components/schemas/BrokerToken"));
    assertFalse(token.validate(JSON.readTree("{\"access_token\":\"x\"}")).isEmpty());
    assertFalse(
        token
            .validate(
                JSON.readTree(
                    "{\"access_token\":\"x\",\"token_type\":\"Bearer\",\"expires_in\":1,"
                        + "\"expires_at\":2,\"scope\":\"\",\"refresh_token\":\"r\"}"))
            .isEmpty());
    JsonSchema error = schema(ref("#/components/schemas/Error"));
    assertFalse(error.validate(JSON.readTree("{\"error\":\"x\"}")).isEmpty());
  }

  // --- checking an answer against the document ---

  /**
   * Fails unless the answer's status is documented for the operation and the answer matches that
   * response; returns the JSON body (or null for text).
   */
  static JsonNode check(String method, String path, HttpResponse<String> r, int status)
      throws Exception {
    String what = method.toUpperCase(Locale.ROOT) + " " + path;
    assertEquals(
        status,
        r.statusCode(),
        what + ": " + (r.statusCode() == 200 ? "(a token answer)" : r.body()));
    JsonNode op = doc.path("paths").path(path).path(method);
    assertFalse(op.isMissingNode(), what + " is not in the document");
    JsonNode response = op.path("responses").path(Integer.toString(status));
    assertFalse(response.isMissingNode(), what + " answered " + status + ", undocumented");
    return validate(resolve(response), r, what);
  }

  static JsonNode validate(JsonNode response, HttpResponse<String> r, String what)
      throws Exception {
    for (Iterator<Map.Entry<String, JsonNode>> it = response.path("headers").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> h = it.next();
      String value = r.headers().firstValue(h.getKey()).orElse(null);
      assertNotNull(
          value, what + " " + r.statusCode() + ": documented header " + h.getKey() + " missing");
      JsonNode constant = h.getValue().path("schema").path("const");
      if (!constant.isMissingNode()) {
        assertEquals(constant.asText(), value, what + ": header " + h.getKey());
      }
      JsonNode pattern = h.getValue().path("schema").path("pattern");
      if (!pattern.isMissingNode()) {
        assertTrue(
            java.util.regex.Pattern.compile(pattern.asText()).matcher(value).find(),
            what + ": header " + h.getKey() + ": " + value + " !~ " + pattern.asText());
      }
    }
    JsonNode content = response.path("content");
    String type = r.headers().firstValue("Content-Type").orElse("");
    String mediaType = type.split(";")[0].trim();
    JsonNode media = content.path(mediaType);
    assertFalse(media.isMissingNode(), what + ": content type " + type + " not documented");
    if (!mediaType.equals("application/json")) {
      Set<ValidationMessage> errors =
          schema(media.path("schema")).validate(JSON.valueToTree(r.body()));
      assertTrue(errors.isEmpty(), what + ": " + errors);
      return null;
    }
    JsonNode body = JSON.readTree(r.body());
    Set<ValidationMessage> errors = schema(media.path("schema")).validate(body);
    assertTrue(errors.isEmpty(), what + " " + r.statusCode() + ": " + errors + "\n" + shown(body));
    return body;
  }

  /** The body for a failure message, without the token. */
  static String shown(JsonNode body) {
    if (body instanceof ObjectNode o && o.has("access_token")) {
      return o.deepCopy().put("access_token", "(redacted)").toString();
    }
    return body.toString();
  }

  static JsonSchema schema(JsonNode node) {
    return SCHEMAS.getSchema(resolve(node));
  }

  static JsonNode ref(String pointer) {
    return resolve(JSON.createObjectNode().put("$ref", pointer));
  }

  /** The node with every local {@code $ref} replaced by its target (the document has no cycles). */
  static JsonNode resolve(JsonNode node) {
    if (node.isObject()) {
      JsonNode ref = node.get("$ref");
      if (ref != null && ref.asText().startsWith("#/")) {
        JsonNode target = doc.at(ref.asText().substring(1));
        assertFalse(target.isMissingNode(), "dangling $ref " + ref.asText());
        return resolve(target);
      }
      ObjectNode copy = JSON.createObjectNode();
      node.fields().forEachRemaining(e -> copy.set(e.getKey(), resolve(e.getValue())));
      return copy;
    }
    if (node.isArray()) {
      var copy = JSON.createArrayNode();
      node.forEach(n -> copy.add(resolve(n)));
      return copy;
    }
    return node;
  }

  // --- requests ---

  static String query() {
    return "audience="
        + URLEncoder.encode(Stack.AUDIENCE, StandardCharsets.UTF_8)
        + "&scope="
        + URLEncoder.encode(Stack.SCOPE, StandardCharsets.UTF_8);
  }

  static HttpRequest.Builder base(String pathAndQuery, boolean brokerHeader) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(stack.brokerUrl() + pathAndQuery));
    return brokerHeader ? b.header("Token-Broker-Request", "true") : b;
  }

  static HttpResponse<String> get(String pathAndQuery, boolean brokerHeader) throws Exception {
    return send(base(pathAndQuery, brokerHeader).GET());
  }

  static HttpResponse<String> post(String path, String type, String body, boolean brokerHeader)
      throws Exception {
    return send(
        base(path, brokerHeader)
            .header("Content-Type", type)
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  /** client_secret_basic, RFC 6749 §2.3.1: id and secret form-urlencoded, then Base64. */
  static String basic(String secret) {
    String pair =
        URLEncoder.encode(Stack.LOCAL_CLIENT_ID, StandardCharsets.UTF_8)
            + ":"
            + URLEncoder.encode(secret, StandardCharsets.UTF_8);
    return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
  }

  static HttpResponse<String> oauth(String form, String secret) throws Exception {
    return send(
        base("/oauth/token", false)
            .header("Authorization", basic(secret))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form)));
  }

  static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
