package dev.tokenbroker.caller;

import dev.tokenbroker.caller.config.CallerOptions;
import dev.tokenbroker.caller.run.LabRun;
import dev.tokenbroker.common.http.HardenedHttpServer;
import dev.tokenbroker.common.http.RejectionLog;
import dev.tokenbroker.common.net.Loopback;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import java.util.logging.Logger;

/**
 * The lab's caller backend: {@code POST /m2m/run} runs the {@link LabRun} sequence and answers its
 * report (200 when every step succeeded, 502 when one failed, the body JSON either way); {@code GET
 * /} serves the operator page ({@code operator/} in the resources); {@code /health/live} and {@code
 * /health/ready} answer 200.
 *
 * <p>The caller holds the students' data, so it is a same-origin, loopback-named service: a {@code
 * Host} that is neither a loopback name nor the configured host gets 421 (DNS rebinding), and
 * {@code POST /m2m/run} needs {@code Content-Type: application/json}, which a cross-site form or
 * simple request cannot send without a CORS preflight (that this server never grants).
 */
public class CallerVerticle extends VerticleBase {

  private static final Logger LOG = Logger.getLogger("dev.tokenbroker.caller");
  private static final String CSP =
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src"
          + " 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private final CallerOptions options;
  private LabRun labRun;
  private HttpServer server;
  private volatile int actualPort = -1;

  public CallerVerticle(CallerOptions options) {
    this.options = new CallerOptions(options);
  }

  @Override
  public Future<?> start() {
    try {
      options.validate();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    labRun = LabRun.create(vertx, options);
    Router router = Router.router(vertx);
    router.route().handler(this::guardHost);
    router.post("/m2m/run").handler(this::run);
    router.get("/health/live").handler(ctx -> up(ctx));
    router.get("/health/ready").handler(ctx -> up(ctx));
    router
        .get()
        .handler(
            ctx -> {
              ctx.response()
                  .putHeader("Content-Security-Policy", CSP)
                  .putHeader("X-Content-Type-Options", "nosniff")
                  .putHeader("Referrer-Policy", "no-referrer");
              ctx.next();
            });
    router.get().handler(StaticHandler.create("operator").setCachingEnabled(false));
    RejectionLog rejections = RejectionLog.create("dev.tokenbroker.caller.http", reason -> {});
    return HardenedHttpServer.create(
            vertx,
            new HttpServerOptions().setHost(options.getHost()).setPort(options.getPort()),
            options.getLimits(),
            rejections,
            router)
        .listen()
        .onSuccess(this::listening);
  }

  private void guardHost(RoutingContext ctx) {
    HostAndPort authority = ctx.request().authority();
    String host = authority == null ? null : authority.host();
    if (host != null && (Loopback.isLoopbackHost(host) || host.equals(options.getHost()))) {
      ctx.next();
      return;
    }
    ctx.response()
        .setStatusCode(421)
        .putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", "misdirected_request").encode());
  }

  private void run(RoutingContext ctx) {
    String type = ctx.request().getHeader("Content-Type");
    if (type == null || !type.toLowerCase().startsWith("application/json")) {
      ctx.response()
          .setStatusCode(415)
          .putHeader("Content-Type", "application/json")
          .end(
              new JsonObject()
                  .put("error", "unsupported_media_type")
                  .put("message", "POST /m2m/run needs Content-Type: application/json")
                  .encode());
      return;
    }
    labRun
        .run()
        .onSuccess(
            report -> {
              log(report);
              ctx.response()
                  .setStatusCode(report.getBoolean("ok") ? 200 : 502)
                  .putHeader("Content-Type", "application/json")
                  .putHeader("Cache-Control", "no-store")
                  .end(report.encode());
            });
  }

  private static void log(JsonObject report) {
    JsonObject t = report.getJsonObject("timings");
    if (report.getBoolean("ok")) {
      LOG.info(
          "run ok: token "
              + t.getLong("tokenMs")
              + " ms, students "
              + t.getLong("studentsMs")
              + " ms, total "
              + t.getLong("totalMs")
              + " ms");
      return;
    }
    report.getJsonArray("steps").stream()
        .map(JsonObject.class::cast)
        .filter(s -> "error".equals(s.getString("status")))
        .findFirst()
        .ifPresent(
            s ->
                LOG.warning(
                    "run failed at step "
                        + s.getString("name")
                        + ": "
                        + s.getString("error")
                        + " ("
                        + s.getString("message")
                        + ")"));
  }

  private static void up(RoutingContext ctx) {
    ctx.response()
        .putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("status", "UP").encode());
  }

  private void listening(HttpServer listening) {
    server = listening;
    actualPort = listening.actualPort();
    LOG.info("listening on http://" + options.getHost() + ":" + actualPort);
  }

  @Override
  public Future<?> stop() {
    Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
    return closed.eventually(() -> labRun == null ? Future.succeededFuture() : labRun.close());
  }

  /** The port the server listens on (the real one when configured with 0); -1 before start. */
  public int actualPort() {
    return actualPort;
  }
}
