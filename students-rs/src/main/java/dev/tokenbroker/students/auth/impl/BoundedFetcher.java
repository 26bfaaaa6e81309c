package dev.tokenbroker.students.auth.impl;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * GETs a JSON document with a deadline for the whole exchange and a cap on the body size: reading
 * stops and the request is reset as soon as the body would exceed {@code maxBytes}, so a slow or
 * endless answer cannot tie the server up. Only {@code 200} answers count; redirects are not
 * followed.
 */
final class BoundedFetcher {

  /** A fetched JSON object and the response's {@code Cache-Control} header (may be null). */
  record Fetched(JsonObject json, String cacheControl) {}

  private final Context context;
  private final HttpClient client;
  private final long timeoutMillis;
  private final int maxBytes;

  BoundedFetcher(Context context, HttpClient client, long timeoutMillis, int maxBytes) {
    this.context = context;
    this.client = client;
    this.timeoutMillis = timeoutMillis;
    this.maxBytes = maxBytes;
  }

  /**
   * Runs the exchange on one fixed context, so the response callback runs on the thread that
   * delivers the body and the capped reader is in place before the first byte.
   */
  Future<Fetched> get(String url) {
    Promise<Fetched> result = Promise.promise();
    context.runOnContext(
        v -> {
          Future<Fetched> exchange;
          try {
            exchange = exchange(url);
          } catch (RuntimeException e) { // e.g. the client was closed
            exchange = Future.failedFuture(new JwksFetchException(describe(e)));
          }
          exchange.onComplete(result);
        });
    return result.future();
  }

  private Future<Fetched> exchange(String url) {
    RequestOptions options;
    try {
      options =
          new RequestOptions()
              .setMethod(HttpMethod.GET)
              .setAbsoluteURI(url)
              .setFollowRedirects(false)
              .setConnectTimeout(timeoutMillis)
              .setIdleTimeout(timeoutMillis)
              .putHeader(HttpHeaders.ACCEPT, "application/json");
    } catch (RuntimeException e) {
      return Future.failedFuture(new JwksFetchException("invalid URL"));
    }
    AtomicReference<HttpClientRequest> request = new AtomicReference<>();
    return client
        .request(options)
        .compose(
            req -> {
              request.set(req);
              req.exceptionHandler(err -> {});
              return req.send();
            })
        .compose(this::readCapped)
        .timeout(timeoutMillis, TimeUnit.MILLISECONDS)
        .recover(
            err -> {
              HttpClientRequest req = request.get();
              if (req != null) {
                req.reset();
              }
              return Future.failedFuture(
                  err instanceof JwksFetchException ? err : new JwksFetchException(describe(err)));
            })
        .compose(this::toJson);
  }

  private Future<Fetched> toJson(Raw raw) {
    try {
      return Future.succeededFuture(new Fetched(new JsonObject(raw.body()), raw.cacheControl()));
    } catch (RuntimeException e) {
      return Future.failedFuture(new JwksFetchException("answer is not a JSON object"));
    }
  }

  private record Raw(Buffer body, String cacheControl) {}

  private Future<Raw> readCapped(HttpClientResponse response) {
    response.exceptionHandler(err -> {}); // the request is reset on failure; nothing to report
    if (response.statusCode() != 200) {
      return Future.failedFuture(new JwksFetchException("HTTP status " + response.statusCode()));
    }
    String length = response.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null && declaredTooLarge(length)) {
      return Future.failedFuture(tooLarge());
    }
    Promise<Raw> promise = Promise.promise();
    Buffer body = Buffer.buffer();
    response.handler(
        chunk -> {
          if (promise.future().isComplete()) {
            return;
          }
          if (body.length() + chunk.length() > maxBytes) {
            promise.tryFail(tooLarge());
          } else {
            body.appendBuffer(chunk);
          }
        });
    response.exceptionHandler(promise::tryFail);
    response.endHandler(
        v -> promise.tryComplete(new Raw(body, response.getHeader(HttpHeaders.CACHE_CONTROL))));
    return promise.future();
  }

  private boolean declaredTooLarge(String length) {
    try {
      return Long.parseLong(length.trim()) > maxBytes;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private JwksFetchException tooLarge() {
    return new JwksFetchException("answer larger than " + maxBytes + " bytes");
  }

  private static String describe(Throwable err) {
    if (err instanceof java.util.concurrent.TimeoutException) {
      return "timed out";
    }
    String text =
        err.getClass().getSimpleName() + (err.getMessage() == null ? "" : ": " + err.getMessage());
    text = text.replaceAll("[^ -~]", "?");
    return "request failed (" + (text.length() > 200 ? text.substring(0, 200) : text) + ")";
  }
}
