package dev.tokenbroker.students;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One HTTP server instance of {@link StudentsVerticle}, on the event loop of its own context. Its
 * server (and router) are built on that context; all state it serves from is shared, lock-free, by
 * the parent. Publishes the port it listens on into {@code port} (the same for every instance).
 */
final class StudentsHttpVerticle extends VerticleBase {

  private final Supplier<HttpServer> server;
  private final AtomicInteger port;
  private final Set<String> eventLoops;
  private HttpServer listening;

  StudentsHttpVerticle(Supplier<HttpServer> server, AtomicInteger port, Set<String> eventLoops) {
    this.server = server;
    this.port = port;
    this.eventLoops = eventLoops;
  }

  @Override
  public Future<?> start() {
    return server
        .get()
        .listen()
        .onSuccess(
            s -> {
              listening = s;
              port.set(s.actualPort());
              eventLoops.add(Thread.currentThread().getName());
            });
  }

  @Override
  public Future<?> stop() {
    eventLoops.remove(Thread.currentThread().getName());
    return listening == null ? Future.succeededFuture() : listening.close();
  }
}
