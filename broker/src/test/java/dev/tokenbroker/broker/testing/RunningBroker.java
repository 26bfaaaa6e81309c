package dev.tokenbroker.broker.testing;

import dev.tokenbroker.broker.BrokerVerticle;
import dev.tokenbroker.broker.config.BrokerOptions;
import dev.tokenbroker.broker.token.CacheListener;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.time.Clock;

/** A broker verticle deployed for a test, and an HTTP client that talks to it over 127.0.0.1. */
public final class RunningBroker {

  /** An HTTP answer, read whole. */
  public record Answer(int status, MultiMap headers, Buffer body) {
    public JsonObject json() {
      return body.toJsonObject();
    }
  }

  private final Vertx vertx;
  private final BrokerVerticle verticle;
  private final String deploymentId;
  private final java.net.http.HttpClient client;

  private RunningBroker(Vertx vertx, BrokerVerticle verticle, String deploymentId) {
    this.vertx = vertx;
    this.verticle = verticle;
    this.deploymentId = deploymentId;
    // The JDK's client, independent of the Vert.x instance under test, so a test's HTTP calls
    // never share event loops or a connection pool with the broker.
    this.client =
        java.net.http.HttpClient.newBuilder()
            .connectTimeout(java.time.Duration.ofSeconds(10))
            .version(java.net.http.HttpClient.Version.HTTP_1_1)
            .build();
  }

  public static RunningBroker deploy(
      Vertx vertx,
      JsonObject config,
      Clock clock,
      boolean periodicTick,
      CacheListener... listeners) {
    BrokerVerticle v = new BrokerVerticle(new BrokerOptions(config), clock, periodicTick);
    for (CacheListener l : listeners) {
      v.listener(l);
    }
    String id = vertx.deployVerticle(v).await();
    return new RunningBroker(vertx, v, id);
  }

  public BrokerVerticle verticle() {
    return verticle;
  }

  public int port() {
    return verticle.actualHttpPort();
  }

  /** Runs {@code tick()} on the broker's event loop and waits for it. */
  public void tick() {
    onContext(() -> verticle.cache().tick());
  }

  /** Runs one tick and waits until the fetches it started have completed. */
  public void tickAndSettle() {
    tick();
    settle();
  }

  /** Waits until no fetch is in flight (checked on the broker's event loop). */
  public void settle() {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      int[] inFlight = new int[1];
      onContext(() -> inFlight[0] = verticle.cache().inFlight());
      if (inFlight[0] == 0) {
        return;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
    }
    throw new AssertionError("fetches still in flight after 20 s");
  }

  public void onContext(Runnable r) {
    io.vertx.core.Promise<Void> p = io.vertx.core.Promise.promise();
    verticle
        .context()
        .runOnContext(
            v -> {
              try {
                r.run();
                p.complete();
              } catch (RuntimeException e) {
                p.fail(e);
              }
            });
    p.future().await();
  }

  public Future<Answer> send(RequestOptions ro, Buffer body) {
    java.net.http.HttpRequest.Builder b =
        java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + port() + ro.getURI()))
            .timeout(java.time.Duration.ofSeconds(20))
            .method(
                ro.getMethod().name(),
                body == null
                    ? java.net.http.HttpRequest.BodyPublishers.noBody()
                    : java.net.http.HttpRequest.BodyPublishers.ofByteArray(body.getBytes()));
    if (ro.getHeaders() != null) {
      ro.getHeaders().forEach(h -> b.header(h.getKey(), h.getValue()));
    }
    return Future.fromCompletionStage(
            client.sendAsync(b.build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray()))
        .map(
            r -> {
              MultiMap headers = MultiMap.caseInsensitiveMultiMap();
              r.headers().map().forEach((k, v) -> v.forEach(x -> headers.add(k, x)));
              return new Answer(r.statusCode(), headers, Buffer.buffer(r.body()));
            });
  }

  /** {@code GET uri} with the anti-SSRF header. */
  public Future<Answer> getToken(String uri) {
    return send(
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setURI(uri)
            .putHeader("Token-Broker-Request", "true"),
        null);
  }

  public Answer get(String uri, String... headers) {
    RequestOptions ro = new RequestOptions().setMethod(HttpMethod.GET).setURI(uri);
    for (int i = 0; i + 1 < headers.length; i += 2) {
      ro.addHeader(headers[i], headers[i + 1]);
    }
    return send(ro, null).await();
  }

  public void undeploy() {
    vertx.undeploy(deploymentId).await();
  }
}
