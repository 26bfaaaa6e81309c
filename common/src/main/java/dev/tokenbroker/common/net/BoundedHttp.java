package dev.tokenbroker.common.net;

import dev.tokenbroker.common.log.LogSafe;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One HTTP exchange with a deadline for the whole of it and a cap on the body size: reading stops
 * and the request is reset as soon as the body would exceed {@code maxBytes} (a declared {@code
 * Content-Length} above it fails before reading), so a slow or endless answer cannot tie the caller
 * up. Redirects are not followed. Failures are {@link FetchException}s whose messages are safe to
 * log (never a response body).
 *
 * <p>Exchanges run on one fixed context, so the capped reader is in place before the first byte
 * whatever thread calls.
 */
public final class BoundedHttp {

  /** A whole answer: status, headers and the (capped) body. */
  public record Response(int status, MultiMap headers, Buffer body) {}

  private final Context context;
  private final HttpClient client;
  private final long timeoutMillis;
  private final int maxBytes;

  public BoundedHttp(Context context, HttpClient client, long timeoutMillis, int maxBytes) {
    this.context = context;
    this.client = client;
    this.timeoutMillis = timeoutMillis;
    this.maxBytes = maxBytes;
  }

  public long timeoutMillis() {
    return timeoutMillis;
  }

  public int maxBytes() {
    return maxBytes;
  }

  /** Sends {@code request} with {@code body} (null: none) and reads the capped answer. */
  public Future<Response> send(RequestOptions request, Buffer body) {
    if (Vertx.currentContext() == context) {
      return guarded(request, body);
    }
    Promise<Response> result = Promise.promise();
    context.runOnContext(v -> guarded(request, body).onComplete(result));
    return result.future();
  }

  private Future<Response> guarded(RequestOptions request, Buffer body) {
    try {
      return exchange(request, body);
    } catch (RuntimeException e) { // for example the client was closed
      return Future.failedFuture(new FetchException(FetchException.Kind.IO, -1, describe(e)));
    }
  }

  private Future<Response> exchange(RequestOptions request, Buffer body) {
    request
        .setFollowRedirects(false)
        .setConnectTimeout(timeoutMillis)
        .setIdleTimeout(timeoutMillis);
    AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
    return client
        .request(request)
        .compose(
            req -> {
              sent.set(req);
              req.exceptionHandler(err -> {});
              return body == null ? req.send() : req.send(body);
            })
        .compose(this::readCapped)
        .timeout(timeoutMillis, TimeUnit.MILLISECONDS)
        .recover(
            err -> {
              HttpClientRequest req = sent.get();
              if (req != null) {
                req.reset();
              }
              return Future.failedFuture(
                  err instanceof FetchException
                      ? err
                      : err instanceof TimeoutException
                          ? new FetchException(
                              FetchException.Kind.TIMEOUT,
                              -1,
                              "no answer within " + timeoutMillis + " ms")
                          : new FetchException(FetchException.Kind.IO, -1, describe(err)));
            });
  }

  private Future<Response> readCapped(HttpClientResponse resp) {
    String length = resp.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null && declaredTooLarge(length)) {
      return Future.failedFuture(tooLarge(resp.statusCode()));
    }
    Promise<Response> promise = Promise.promise();
    Buffer acc = Buffer.buffer();
    resp.handler(
        chunk -> {
          if (promise.future().isComplete()) {
            return;
          }
          if (acc.length() + chunk.length() > maxBytes) {
            promise.tryFail(tooLarge(resp.statusCode()));
          } else {
            acc.appendBuffer(chunk);
          }
        });
    resp.exceptionHandler(promise::tryFail);
    resp.endHandler(v -> promise.tryComplete(new Response(resp.statusCode(), resp.headers(), acc)));
    return promise.future();
  }

  private boolean declaredTooLarge(String length) {
    try {
      return Long.parseLong(length.trim()) > maxBytes;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private FetchException tooLarge(int status) {
    return new FetchException(
        FetchException.Kind.TOO_LARGE, status, "response body larger than " + maxBytes + " bytes");
  }

  /** Printable ASCII, at most 200 characters: exception texts may quote what the network sent. */
  static String describe(Throwable err) {
    String text =
        err.getClass().getSimpleName() + (err.getMessage() == null ? "" : ": " + err.getMessage());
    return "request failed (" + LogSafe.printable(text) + ")";
  }
}
