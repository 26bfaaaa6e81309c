package dev.tokenbroker.examples.clients;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** What the Java snippets share: environment lookups, printing without the token, exit status. */
final class Env {

  private Env() {}

  static String get(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isEmpty() ? fallback : v;
  }

  static String required(String name) {
    String v = System.getenv(name);
    if (v == null || v.isEmpty()) {
      System.err.println("error: " + name + " is required");
      System.exit(2);
    }
    return v;
  }

  /** The token JSON with {@code access_token} replaced: a snippet never prints a token. */
  static JsonObject redacted(JsonObject token) {
    JsonObject copy = token.copy();
    if (copy.containsKey("access_token")) {
      copy.put("access_token", "(redacted)");
    }
    return copy;
  }

  /** Prints the outcome, closes Vert.x and exits 0, or 1 with the failure. */
  static void exit(Vertx vertx, Future<String> outcome) {
    int status;
    try {
      CompletableFuture<String> f = outcome.toCompletionStage().toCompletableFuture();
      System.out.println(f.get(30, TimeUnit.SECONDS));
      status = 0;
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      System.err.println("error: " + cause.getMessage());
      status = 1;
    }
    vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    System.exit(status);
  }
}
