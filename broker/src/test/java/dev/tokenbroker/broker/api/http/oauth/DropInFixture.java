package dev.tokenbroker.broker.api.http.oauth;

import dev.tokenbroker.broker.testing.RunningBroker;
import dev.tokenbroker.broker.testing.RunningBroker.Answer;
import dev.tokenbroker.broker.testing.TestIdp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Configuration and requests shared by the drop-in endpoint's tests. */
final class DropInFixture {

  /** A caller whose id and secret change when form-encoded (RFC 6749 §2.3.1) inside Basic. */
  static final String ORDERS_ID = "svc orders é+%";

  /** An id with a colon: only the form-encoded Basic of RFC 6749 §2.3.1 can carry it. */
  static final String COLON_ID = "svc:colon";

  static final String COLON_SECRET = "colon:secret";

  static final String ORDERS_SECRET = "l0cal s3cr&t:=+%/é";
  static final String READER_ID = "reader";
  static final String READER_SECRET = "reader-only-secret-42";
  static final String DISABLED_ID = "disabled";
  static final String DISABLED_SECRET = "disabled-secret-7";
  static final String OTHER_AUDIENCE = "https://grades-api";

  private DropInFixture() {}

  /** {@link TestIdp#brokerConfig()} with on-demand keys, a second audience and three callers. */
  static JsonObject config(TestIdp idp) {
    JsonObject config = idp.brokerConfig();
    // a loaded CI machine can take seconds for the mock IdP's first token
    config.getJsonObject("idp").put("requestTimeoutMillis", 30_000);
    JsonArray tokens = config.getJsonArray("tokens");
    tokens.getJsonObject(0).put("prefetch", false);
    tokens.add(
        new JsonObject()
            .put("audience", OTHER_AUDIENCE)
            .put("scopes", new JsonArray().add("grades:read"))
            .put("prefetch", false));
    config.put(
        "localClients",
        new JsonArray()
            .add(
                client(ORDERS_ID, ORDERS_SECRET)
                    .put(
                        "allow",
                        new JsonArray()
                            .add(allow(TestIdp.AUDIENCE, TestIdp.SCOPE, "write:students"))
                            .add(allow(OTHER_AUDIENCE, "grades:read"))))
            .add(
                client(READER_ID, READER_SECRET)
                    .put("allow", new JsonArray().add(allow(TestIdp.AUDIENCE, TestIdp.SCOPE))))
            .add(client(DISABLED_ID, DISABLED_SECRET).put("allow", new JsonArray()))
            .add(
                client(COLON_ID, COLON_SECRET)
                    .put("allow", new JsonArray().add(allow(TestIdp.AUDIENCE, TestIdp.SCOPE)))));
    return config;
  }

  static JsonObject client(String id, String secret) {
    return new JsonObject().put("clientId", id).put("clientSecret", secret);
  }

  static JsonObject allow(String audience, String... scopes) {
    return new JsonObject()
        .put("audience", audience)
        .put("scopes", new JsonArray(java.util.List.of(scopes)));
  }

  static String form(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** {@code Authorization: Basic} per RFC 6749 §2.3.1: id and secret form-encoded first. */
  static String basic(String id, String secret) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((form(id) + ":" + form(secret)).getBytes(StandardCharsets.UTF_8));
  }

  /** {@code POST /oauth/token} with a form body and header pairs. */
  static Answer post(RunningBroker broker, String body, String... headers) {
    RequestOptions ro =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setURI(OAuthEndpoint.TOKEN_PATH)
            .putHeader("Content-Type", "application/x-www-form-urlencoded");
    for (int i = 0; i + 1 < headers.length; i += 2) {
      ro.getHeaders().set(headers[i], headers[i + 1]);
    }
    return broker.send(ro, Buffer.buffer(body)).await();
  }

  /** {@code grant_type=client_credentials} plus {@code extra} (already form-encoded pairs). */
  static String grant(String extra) {
    return "grant_type=client_credentials" + (extra.isEmpty() ? "" : "&" + extra);
  }
}
