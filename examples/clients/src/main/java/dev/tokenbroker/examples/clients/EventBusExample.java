package dev.tokenbroker.examples.clients;

import dev.tokenbroker.broker.BrokerVerticle;
import dev.tokenbroker.broker.config.BrokerOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpResponseExpectation;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The event bus from Java: the broker embedded in the service's own Vert.x, asked on {@code
 * token-broker.token} with {@code vertx.eventBus().request(...)}.
 *
 * <p>Why in process: the event bus is Vert.x's in-process (or clustered) message bus. A separate
 * Java process can reach a broker sidecar's bus only through a cluster manager (which the broker
 * does not run) or the TCP event-bus bridge, and the bridge is a wire protocol any language speaks
 * the same way (see {@code node/bridge.js}); from Java a sidecar is better asked over HTTP ({@link
 * OAuth2WebClientExample}). So this snippet shows what the event-bus API is for: a Vert.x
 * application that deploys {@link BrokerVerticle} next to its own verticles and gets its tokens
 * without a socket. Its config file is the sidecar's ({@code broker.yaml}).
 *
 * <pre>
 * BROKER_CONFIG=broker.yaml STUDENTS_URL=http://127.0.0.1:4006 \
 * java -cp ... dev.tokenbroker.examples.clients.EventBusExample
 * </pre>
 */
public final class EventBusExample {

  private EventBusExample() {}

  public static void main(String[] args) {
    BrokerOptions options =
        BrokerOptions.load(Path.of(Env.required("BROKER_CONFIG")), System::getenv);
    String students = Env.get("STUDENTS_URL", "http://127.0.0.1:4006");
    Vertx vertx = Vertx.vertx();
    WebClient web = WebClient.create(vertx);
    JsonObject ask =
        new JsonObject()
            .put("audience", Env.get("AUDIENCE", "https://students-api"))
            .put("scope", Env.get("SCOPE", "read:students"));
    Future<String> outcome =
        vertx
            .deployVerticle(new BrokerVerticle(options, Clock.systemUTC(), true))
            .compose(id -> vertx.eventBus().<JsonObject>request("token-broker.token", ask))
            .compose(
                reply -> {
                  JsonObject token = reply.body();
                  System.out.println("token: " + Env.redacted(token));
                  return web.getAbs(students + "/students")
                      .bearerTokenAuthentication(token.getString("access_token"))
                      .send()
                      .expecting(HttpResponseExpectation.SC_OK);
                })
            .map(resp -> "students: 200 " + resp.bodyAsString());
    Env.exit(vertx, outcome);
  }
}
