package dev.tokenbroker.e2e;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * A loopback HTTP stand-in for Keycloak's token endpoint between the broker and the real (https)
 * one, for {@code private_key_jwt}: it records the client assertion of every call, and can send
 * Keycloak another assertion instead of the broker's ({@link #substitute}): a captured one again (a
 * replay) or an expired one crafted by the test. The broker must then be configured with {@code
 * idp.assertionAudience: issuer}, since the token endpoint it talks to is this proxy's URL.
 *
 * <p>Assertions are kept for the test's assertions; {@link Call#toString()} prints only their kid
 * and jti.
 */
final class AssertionProxy {

  /** One forwarded call: what the broker sent, what went to Keycloak, and the answer. */
  record Call(
      String clientId,
      String assertionType,
      String brokerAssertion,
      String sentAssertion,
      int status,
      JsonObject answer) {

    Jwt broker() {
      return Jwt.decode(brokerAssertion);
    }

    String accessToken() {
      return status == 200 ? answer.getString("access_token") : null;
    }

    @Override
    public String toString() {
      Jwt jwt = brokerAssertion == null ? null : broker();
      return String.format(
          "client_id=%s assertion(kid=%s jti=%s)%s -> %d %s",
          clientId,
          jwt == null ? null : jwt.kid(),
          jwt == null ? null : jwt.claims().getString("jti"),
          brokerAssertion != null && !brokerAssertion.equals(sentAssertion) ? " substituted" : "",
          status,
          status == 200 ? "token" : answer.encode());
    }
  }

  private final HttpServer server;
  private final WebClient client;
  private final String target;
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private volatile String substitute;

  private AssertionProxy(Vertx vertx, String target, Path trustFile) {
    this.server = vertx.createHttpServer();
    this.client =
        WebClient.create(
            vertx,
            new WebClientOptions()
                .setTrustOptions(new PemTrustOptions().addCertPath(trustFile.toString())));
    this.target = target;
  }

  /** Listens on {@code 127.0.0.1:0} and forwards to {@code tokenEndpoint} (trusting the CA). */
  static Future<AssertionProxy> start(Vertx vertx, String tokenEndpoint, Path trustFile) {
    AssertionProxy proxy = new AssertionProxy(vertx, tokenEndpoint, trustFile);
    return proxy.server.requestHandler(proxy::forward).listen(0, "127.0.0.1").map(proxy);
  }

  /** The URL to give the broker as {@code idp.tokenEndpoint}. */
  String tokenEndpoint() {
    return "http://127.0.0.1:" + server.actualPort() + "/token";
  }

  /** From now on Keycloak gets {@code assertion} instead of the broker's; null to stop. */
  void substitute(String assertion) {
    this.substitute = assertion;
  }

  List<Call> calls() {
    return List.copyOf(calls);
  }

  private void forward(HttpServerRequest request) {
    request
        .body()
        .compose(
            body -> {
              MultiMap form = parseForm(body.toString(StandardCharsets.UTF_8));
              String brokerAssertion = form.get("client_assertion");
              String replacement = substitute;
              if (replacement != null && brokerAssertion != null) {
                form.set("client_assertion", replacement);
              }
              return client
                  .postAbs(target)
                  .putHeader("Content-Type", "application/x-www-form-urlencoded")
                  .sendBuffer(Buffer.buffer(encodeForm(form)))
                  .onSuccess(
                      answer ->
                          calls.add(
                              new Call(
                                  form.get("client_id"),
                                  form.get("client_assertion_type"),
                                  brokerAssertion,
                                  form.get("client_assertion"),
                                  answer.statusCode(),
                                  json(answer.bodyAsString()))));
            })
        .onSuccess(
            answer -> {
              String contentType = answer.getHeader("Content-Type");
              if (contentType != null) {
                request.response().putHeader("Content-Type", contentType);
              }
              request
                  .response()
                  .setStatusCode(answer.statusCode())
                  .end(answer.bodyAsBuffer() == null ? Buffer.buffer() : answer.bodyAsBuffer());
            })
        .onFailure(failure -> request.response().setStatusCode(502).end(failure.toString()));
  }

  private static JsonObject json(String body) {
    try {
      return body == null ? new JsonObject() : new JsonObject(body);
    } catch (RuntimeException notJson) {
      return new JsonObject().put("body", body);
    }
  }

  static MultiMap parseForm(String body) {
    MultiMap form = MultiMap.caseInsensitiveMultiMap();
    for (String pair : body.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      form.add(
          URLDecoder.decode(name, StandardCharsets.UTF_8),
          URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return form;
  }

  static String encodeForm(MultiMap form) {
    return form.entries().stream()
        .map(
            e ->
                URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)
                    + "="
                    + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }

  Future<Void> close() {
    client.close();
    return server.close();
  }
}
