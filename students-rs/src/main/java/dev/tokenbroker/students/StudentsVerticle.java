package dev.tokenbroker.students;

import dev.tokenbroker.common.http.HardenedHttpServer;
import dev.tokenbroker.common.http.ListenerLimits;
import dev.tokenbroker.common.http.RejectionLog;
import dev.tokenbroker.students.api.StudentsRouter;
import dev.tokenbroker.students.auth.TokenValidator;
import dev.tokenbroker.students.config.StudentsOptions;
import dev.tokenbroker.students.metrics.StudentsMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.time.Clock;
import java.util.logging.Logger;

/**
 * The students resource server: one HTTP server serving {@code GET /students}, {@code
 * /health/live}, {@code /health/ready} and {@code /metrics}, validating bearer tokens with a {@link
 * TokenValidator} of its own and counting in a {@link StudentsMetrics}.
 *
 * <p>{@link #start()} validates the options, loads the signing keys once (a failure is logged and
 * the server starts anyway, answering 503 until keys are available), then listens and logs {@code
 * listening on http://HOST:PORT} with the real port. Deploy one instance: the validator and its
 * caches live with the verticle (they are thread-safe, so nothing breaks with more, but each
 * instance would fetch its own JWKS).
 *
 * <pre>{@code
 * StudentsVerticle rs = new StudentsVerticle(options);
 * vertx.deployVerticle(rs).onSuccess(id -> use(rs.actualPort()));
 * }</pre>
 */
public class StudentsVerticle extends VerticleBase {

  private static final Logger LOG = Logger.getLogger("dev.tokenbroker.students");

  private final StudentsOptions options;
  private final Clock clock;
  private final StudentsMetrics metrics;
  private TokenValidator validator;
  private HttpServer server;
  private volatile int actualPort = -1;

  public StudentsVerticle(StudentsOptions options) {
    this(options, Clock.systemUTC());
  }

  /**
   * With an injected clock for token lifetimes, key-set lifetimes and the rate limit; metrics in a
   * registry of their own (still served at {@code /metrics}).
   */
  public StudentsVerticle(StudentsOptions options, Clock clock) {
    this(options, clock, StudentsMetrics.create());
  }

  /**
   * With an injected clock and the metrics to count in; {@code /metrics} serves {@code
   * metrics.registry()}, so Vert.x metrics written to the same registry are served too.
   */
  public StudentsVerticle(StudentsOptions options, Clock clock, StudentsMetrics metrics) {
    this.options = new StudentsOptions(options);
    this.clock = clock;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    try {
      options.validate();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    Future<?> keysLoaded;
    if (options.isAuthEnabled()) {
      validator = TokenValidator.create(vertx, options.getToken(), clock, metrics);
      keysLoaded =
          validator
              .keySource()
              .refresh()
              .otherwiseEmpty()
              .onSuccess(n -> logKeys(n == null ? 0 : n));
    } else {
      LOG.warning(
          "authEnabled=false: GET /students answers WITHOUT token validation"
              + " (benchmarks only, never in production)");
      keysLoaded = Future.succeededFuture();
    }
    ListenerLimits limits = options.getLimits();
    limits.setMaxHeaderBytes(
        Math.max(limits.getMaxHeaderBytes(), options.getToken().getMaxTokenBytes() + 8192));
    HttpServerOptions serverOptions =
        new HttpServerOptions().setHost(options.getHost()).setPort(options.getPort());
    RejectionLog rejections =
        RejectionLog.create("dev.tokenbroker.students.http", metrics::rejected);
    return keysLoaded
        .compose(
            v ->
                HardenedHttpServer.create(
                        vertx,
                        serverOptions,
                        limits,
                        rejections,
                        StudentsRouter.create(
                            vertx, options, validator, clock, metrics, rejections))
                    .listen())
        .onSuccess(this::listening);
  }

  private void logKeys(int usable) {
    if (usable > 0) {
      LOG.info("signing keys loaded: " + usable + " usable key(s)");
    } else {
      LOG.warning("no usable signing key yet: /students and /health/ready answer 503 until one is");
    }
  }

  private void listening(HttpServer listening) {
    server = listening;
    actualPort = listening.actualPort();
    LOG.info("listening on http://" + options.getHost() + ":" + actualPort);
  }

  @Override
  public Future<?> stop() {
    Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
    return closed.eventually(
        () -> validator == null ? Future.succeededFuture() : validator.keySource().close());
  }

  /** The port the server listens on (the real one when configured with 0); -1 before start. */
  public int actualPort() {
    return actualPort;
  }

  /** The metrics this server counts in and serves. */
  public StudentsMetrics metrics() {
    return metrics;
  }

  /** The validator in use, {@code null} when authentication is disabled. */
  public TokenValidator validator() {
    return validator;
  }
}
