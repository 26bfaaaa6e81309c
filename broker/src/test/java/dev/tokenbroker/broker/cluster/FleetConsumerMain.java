package dev.tokenbroker.broker.cluster;

import dev.tokenbroker.broker.config.ClusterOptions;
import dev.tokenbroker.common.config.ConfigReader;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * An event-bus consumer in a JVM of its own, no broker: plain clustered Vert.x with the fleet's
 * cluster configuration ({@link FleetNode}). It asks {@code token-broker.token} for a token once a
 * second and prints what it got (the token's {@code exp} and a hash, never the token), and prints
 * every {@code token-broker.refreshed} it hears.
 *
 * <p>{@code FleetConsumerMain SECRET_FILE PORT AUDIENCE SCOPE MEMBER...}
 */
public final class FleetConsumerMain {

  private FleetConsumerMain() {}

  public static void main(String[] args) throws Exception {
    Path secret = Path.of(args[0]);
    int port = Integer.parseInt(args[1]);
    String audience = args[2];
    String scope = args[3];
    List<String> members = List.of(args).subList(4, args.length);
    ClusterOptions options =
        new ClusterOptions(
            new ConfigReader(
                "cluster",
                new JsonObject()
                    .put("enabled", true)
                    .put("host", "127.0.0.1")
                    .put("port", port)
                    .put("members", new JsonArray(members))
                    .put("secretFile", secret.toString())));
    FleetNode node = FleetNode.create(options, FleetCipher.fromFile(secret));
    Vertx vertx =
        node.join(
                Vertx.builder()
                    .with(
                        new VertxOptions().setEventBusOptions(FleetNode.eventBusOptions(options))))
            .toCompletionStage()
            .toCompletableFuture()
            .get();
    System.out.println("consumer joined, members=" + node.members());
    vertx
        .eventBus()
        .<JsonObject>consumer("token-broker.refreshed")
        .handler(m -> System.out.println("consumer heard refreshed " + m.body().encode()));
    JsonObject request = new JsonObject().put("audience", audience).put("scope", scope);
    vertx.setPeriodic(
        1,
        1000,
        id ->
            vertx
                .eventBus()
                .<JsonObject>request(
                    "token-broker.token", request, new DeliveryOptions().setSendTimeout(3000))
                .onSuccess(
                    m -> {
                      String token = m.body().getString("access_token");
                      System.out.println(
                          "consumer got token exp=" + exp(token) + " sha256=" + sha256(token));
                    })
                .onFailure(t -> System.out.println("consumer request failed: " + t.getMessage())));
  }

  static long exp(String jwt) {
    String payload = jwt.split("\\.")[1];
    return new JsonObject(
            new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8))
        .getLong("exp");
  }

  static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
