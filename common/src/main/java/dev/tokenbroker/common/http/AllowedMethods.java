package dev.tokenbroker.common.http;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The {@code Allow} header of a 405 (RFC 9110 §15.5.6): the methods the router's routes declare for
 * the request's path. Only computed for 405 answers, never on the normal path.
 */
public final class AllowedMethods {

  private AllowedMethods() {}

  /** Sets {@code Allow} on the response when some route of {@code router} declares the path. */
  public static void putAllow(Router router, RoutingContext rc) {
    String allow = of(router, rc.request().path());
    if (allow != null && !rc.response().headWritten()) {
      rc.response().putHeader("Allow", allow);
    }
  }

  /** The methods declared for exactly {@code path}, comma-separated; null when none. */
  public static String of(Router router, String path) {
    if (path == null) {
      return null;
    }
    Set<HttpMethod> methods = new LinkedHashSet<>();
    for (Route route : router.getRoutes()) {
      String p = route.getPath();
      Set<HttpMethod> declared = route.methods();
      if (p != null && declared != null && (p.equals(path) || (p + "/").equals(path))) {
        methods.addAll(declared);
      }
    }
    if (methods.isEmpty()) {
      return null;
    }
    StringBuilder b = new StringBuilder();
    for (HttpMethod m : methods) {
      if (b.length() > 0) {
        b.append(", ");
      }
      b.append(m.name());
    }
    return b.toString();
  }
}
