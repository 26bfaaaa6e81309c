package dev.tokenbroker.students;

import dev.tokenbroker.common.http.HardenedHttpServer;
import dev.tokenbroker.common.http.ListenerLimits;
import dev.tokenbroker.common.http.RejectionLog;
import dev.tokenbroker.students.api.StudentsRouter;
import dev.tokenbroker.students.auth.TokenValidator;
import dev.tokenbroker.students.config.StudentsOptions;
import dev.tokenbroker.students.metrics.StudentsMetrics;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The students resource server: an HTTP listener serving {@code GET /students}, {@code
 * /health/live}, {@code /health/ready} and {@code /metrics}, validating bearer tokens with a {@link
 * TokenValidator} of its own and counting in a {@link StudentsMetrics}.
 *
 * <p>{@link #start()} validates the options, loads the signing keys once (a failure is logged and
 * the server starts anyway, answering 503 until keys are available), then deploys {@code
 * http.instances} HTTP server verticles sharing the port, each on an event loop of its own, and
 * logs {@code listening on http://HOST:PORT} with the real port. Deploy this verticle once; the
 * instances are its children (undeployed with it).
 *
 * <p>Threading: the instances share, without a lock on the request path, the validator (one key
 * source: an immutable key-set snapshot in a volatile field, fetched on this verticle's context;
 * one lock-free verified-token cache; signature verifiers per thread), the metrics (Micrometer's
 * striped counters), one rate-limit bucket (compare-and-set) and one connection count (so {@code
 * http.limits.maxConnections} holds for the listener). Key rotation therefore reaches every
 * instance at once, and {@code /health/ready} and {@code /metrics} answer for all of them.
 *
 * <pre>{@code
 * StudentsVerticle rs = new StudentsVerticle(options);
 * vertx.deployVerticle(rs).onSuccess(id -> use(rs.actualPort()));
 * }</pre>
 */
public class StudentsVerticle extends VerticleBase {

  private static final Logger LOG = Logger.getLogger("dev.tokenbroker.students");

  /** Tells the random ports of listeners with several instances apart (see {@link #sharedPort}). */
  private static final AtomicInteger RANDOM_PORT_IDS = new AtomicInteger();

  private final StudentsOptions options;
  private final Clock clock;
  private final StudentsMetrics metrics;
  private final Set<String> eventLoops = ConcurrentHashMap.newKeySet();
  private TokenValidator validator;
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
    int instances = options.getInstances();
    HttpServerOptions serverOptions =
        new HttpServerOptions().setHost(options.getHost()).setPort(sharedPort(instances));
    RejectionLog rejections =
        RejectionLog.create("dev.tokenbroker.students.http", metrics::rejected);
    Supplier<Router> routers =
        StudentsRouter.factory(vertx, options, validator, clock, metrics, rejections);
    AtomicInteger openConnections = new AtomicInteger();
    AtomicInteger port = new AtomicInteger(-1);
    Supplier<StudentsHttpVerticle> instance =
        () ->
            new StudentsHttpVerticle(
                () ->
                    HardenedHttpServer.create(
                        vertx, serverOptions, limits, rejections, routers.get(), openConnections),
                port,
                eventLoops);
    return keysLoaded
        .compose(
            v -> vertx.deployVerticle(instance, new DeploymentOptions().setInstances(instances)))
        .onSuccess(id -> listening(port.get(), instances));
  }

  /**
   * The configured port, or for port 0 with several instances a negative number of this listener
   * alone: Vert.x binds the servers listening on the same negative port to one random port, where
   * with 0 each would get a port of its own.
   */
  private int sharedPort(int instances) {
    if (options.getPort() != 0 || instances == 1) {
      return options.getPort();
    }
    return -1 - Math.floorMod(RANDOM_PORT_IDS.getAndIncrement(), 65535);
  }

  private void logKeys(int usable) {
    if (usable > 0) {
      LOG.info("signing keys loaded: " + usable + " usable key(s)");
    } else {
      LOG.warning("no usable signing key yet: /students and /health/ready answer 503 until one is");
    }
  }

  private void listening(int port, int instances) {
    actualPort = port;
    LOG.info("http: " + instances + " server instance(s), one event loop each");
    LOG.info("listening on http://" + options.getHost() + ":" + actualPort);
  }

  /** The HTTP servers are child deployments, closed before this; then the key source. */
  @Override
  public Future<?> stop() {
    return validator == null ? Future.succeededFuture() : validator.keySource().close();
  }

  /** The port the server listens on (the real one when configured with 0); -1 before start. */
  public int actualPort() {
    return actualPort;
  }

  /** The threads (event loops) the HTTP server instances run on, one per instance. */
  public Set<String> eventLoops() {
    return Set.copyOf(eventLoops);
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
