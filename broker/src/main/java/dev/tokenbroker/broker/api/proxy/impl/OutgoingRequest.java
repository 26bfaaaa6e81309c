package dev.tokenbroker.broker.api.proxy.impl;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What of a caller's request may go upstream: the target reduced to origin form, and the headers
 * without credentials or hop-by-hop fields (RFC 9110 §7.6.1; Envoy's credential injector drops the
 * caller's credential the same way).
 */
final class OutgoingRequest {

  /** Never forwarded: the caller's credentials, hop-by-hop fields, and the caller's Host. */
  static final List<String> STRIPPED =
      List.of(
          "authorization",
          "proxy-authorization",
          "proxy-authenticate",
          "connection",
          "proxy-connection",
          "keep-alive",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade",
          "expect",
          "host");

  private OutgoingRequest() {}

  /**
   * The path and query of the request (an absolute-form target loses its scheme and authority), or
   * null when the target is not a path ({@code *}, authority form).
   */
  static String originForm(HttpServerRequest in) {
    String path = in.path();
    if (path == null || path.isEmpty()) {
      path = "/";
    }
    if (path.charAt(0) != '/') {
      return null;
    }
    String query = in.query();
    return query == null ? path : path + "?" + query;
  }

  /** Removes {@link #STRIPPED} and every field named in {@code Connection}. */
  static void strip(MultiMap headers) {
    List<String> named = new ArrayList<>();
    for (String value : headers.getAll("connection")) {
      for (String token : value.split(",")) {
        String t = token.trim().toLowerCase(Locale.ROOT);
        if (!t.isEmpty()) {
          named.add(t);
        }
      }
    }
    for (String name : STRIPPED) {
      headers.remove(name);
    }
    for (String name : named) {
      headers.remove(name);
    }
  }

  /** No body: no {@code Transfer-Encoding} and no or a zero {@code Content-Length}. */
  static boolean bodyless(MultiMap headers) {
    if (headers.contains("transfer-encoding")) {
      return false;
    }
    String length = headers.get("content-length");
    return length == null || length.trim().equals("0");
  }
}
