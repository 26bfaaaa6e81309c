package dev.tokenbroker.e2e;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback HTTP server that stands in for the IdP's token endpoint: it forwards every request to
 * the real one, returns the answer unchanged, and records each call, so a test can count exactly
 * how often the broker went to the IdP and how it authenticated. Secrets are not recorded.
 */
final class CountingTokenProxy {

  /** One forwarded request and the IdP's answer. */
  record Call(
      String method,
      boolean basicAuth,
      boolean secretInBody,
      String grantType,
      String scope,
      int status,
      String accessToken) {

    /** Names the issued token by its {@code jti} instead of printing it. */
    @Override
    public String toString() {
      return String.format(
          "%s basic=%s secretInBody=%s grant_type=%s scope=%s -> %d jti=%s",
          method,
          basicAuth,
          secretInBody,
          grantType,
          scope,
          status,
          accessToken == null ? null : Jwt.decode(accessToken).claims().getString("jti"));
    }
  }

  private final HttpServer server;
  private final WebClient client;
  private final String target;
  private final List<Call> calls = new CopyOnWriteArrayList<>();

  private CountingTokenProxy(Vertx vertx, String target) {
    this.server = vertx.createHttpServer();
    this.client = WebClient.create(vertx);
    this.target = target;
  }

  /** Listens on {@code 127.0.0.1:0} and forwards to {@code tokenEndpoint}. */
  static Future<CountingTokenProxy> start(Vertx vertx, String tokenEndpoint) {
    CountingTokenProxy proxy = new CountingTokenProxy(vertx, tokenEndpoint);
    return proxy.server.requestHandler(proxy::forward).listen(0, "127.0.0.1").map(proxy);
  }

  /** The URL to give the broker as {@code idp.tokenEndpoint}. */
  String tokenEndpoint() {
    return "http://127.0.0.1:" + server.actualPort() + "/token";
  }

  /** The calls so far, oldest first. */
  List<Call> calls() {
    return List.copyOf(calls);
  }

  /** The access tokens the IdP issued through this proxy, oldest first. */
  List<String> issuedTokens() {
    return calls.stream().map(Call::accessToken).filter(t -> t != null).toList();
  }

  private void forward(HttpServerRequest request) {
    request
        .body()
        .compose(
            body ->
                client
                    .requestAbs(request.method(), target)
                    .putHeaders(forwardedHeaders(request.headers()))
                    .sendBuffer(body)
                    .onSuccess(answer -> record(request, body, answer)))
        .onSuccess(
            answer -> {
              String contentType = answer.getHeader(HttpHeaders.CONTENT_TYPE.toString());
              if (contentType != null) {
                request.response().putHeader(HttpHeaders.CONTENT_TYPE, contentType);
              }
              request
                  .response()
                  .setStatusCode(answer.statusCode())
                  .end(answer.bodyAsBuffer() == null ? Buffer.buffer() : answer.bodyAsBuffer());
            })
        .onFailure(failure -> request.response().setStatusCode(502).end(failure.toString()));
  }

  private static MultiMap forwardedHeaders(MultiMap in) {
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    for (var name :
        List.of(HttpHeaders.AUTHORIZATION, HttpHeaders.CONTENT_TYPE, HttpHeaders.ACCEPT)) {
      if (in.contains(name)) {
        out.add(name, in.get(name));
      }
    }
    return out;
  }

  private void record(HttpServerRequest request, Buffer body, HttpResponse<Buffer> answer) {
    MultiMap form = parseForm(body.toString(StandardCharsets.UTF_8));
    String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
    String accessToken = null;
    if (answer.statusCode() == 200) {
      accessToken = new JsonObject(answer.bodyAsBuffer()).getString("access_token");
    }
    calls.add(
        new Call(
            request.method().name(),
            authorization != null && authorization.toLowerCase(Locale.ROOT).startsWith("basic "),
            form.contains("client_secret"),
            form.get("grant_type"),
            form.get("scope"),
            answer.statusCode(),
            accessToken));
  }

  private static MultiMap parseForm(String body) {
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

  Future<Void> close() {
    client.close();
    return server.close();
  }
}
