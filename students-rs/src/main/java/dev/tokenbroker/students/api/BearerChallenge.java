package dev.tokenbroker.students.api;

import dev.tokenbroker.students.auth.AuthFailure;
import io.vertx.core.json.JsonObject;

/**
 * The RFC 6750 §3 answer to a refused request: the {@code WWW-Authenticate} header value and the
 * JSON body. Forms:
 *
 * <ul>
 *   <li>no token: {@code Bearer realm="students"}
 *   <li>bad request or token: {@code Bearer realm="students", error="invalid_token",
 *       error_description="token expired"} (or {@code invalid_request})
 *   <li>missing scope (403): {@code Bearer realm="students", error="insufficient_scope",
 *       scope="read:students"}
 *   <li>no signing key (503): no challenge, {@code Retry-After} instead
 * </ul>
 */
public final class BearerChallenge {

  public static final String REALM = "students";

  private BearerChallenge() {}

  /** The header value, or {@code null} when the status carries no challenge (503). */
  public static String header(AuthFailure failure) {
    if (failure.status() == 503) {
      return null;
    }
    StringBuilder h = new StringBuilder("Bearer realm=\"").append(REALM).append('"');
    if (failure.error() == null) {
      return h.toString();
    }
    h.append(", error=\"").append(failure.error()).append('"');
    if (failure.scope() != null) {
      return h.append(", scope=\"").append(failure.scope()).append('"').toString();
    }
    return h.append(", error_description=\"").append(failure.description()).append('"').toString();
  }

  /** {@code {"error": ..., "error_description": ...}}; {@code unauthorized} when no token came. */
  public static JsonObject body(AuthFailure failure) {
    return new JsonObject()
        .put("error", failure.error() == null ? "unauthorized" : failure.error())
        .put("error_description", failure.description());
  }
}
