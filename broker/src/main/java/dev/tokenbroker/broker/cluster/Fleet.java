package dev.tokenbroker.broker.cluster;

import dev.tokenbroker.broker.idp.TokenResponse;
import dev.tokenbroker.broker.token.FleetCoordinator;
import dev.tokenbroker.broker.token.TokenKey;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.function.BiPredicate;

/**
 * This broker's part in a fleet: the {@link FleetCoordinator} the token cache fetches through,
 * backed by the clustered Vert.x of a {@link FleetNode}.
 *
 * <p>Per key and refresh cycle: read the shared entry (a joining node, or one that missed a
 * publication, takes it without an IdP call); else take the key's lease (a put-if-absent entry with
 * a TTL just over the IdP request deadline, so a killed holder's lease expires by itself), re-read,
 * fetch, write the sealed token with TTL = its expiry, publish it sealed to the other nodes,
 * release the lease. A node that finds the lease taken waits for the publication (at most the
 * lease's TTL, then tries again); a node whose cluster operations fail or time out fetches on its
 * own. Must be started and used on the token cache's context.
 */
public interface Fleet extends FleetCoordinator {

  /** Event-bus address of the sealed token publications between brokers. */
  String TOKENS_ADDRESS = "token-broker.fleet.tokens";

  /** Hears what the fleet does, for metrics. */
  interface Listener {
    /** A token fetched by another node was taken (from a publication or the shared map). */
    default void tokenReceived(TokenKey key) {}

    /** This node found the key's lease held by another node and waited. */
    default void leaseWaited(TokenKey key) {}
  }

  /**
   * Opens the shared maps and subscribes to publications; {@code sink} gets every token another
   * node published (it returns whether it was taken), on this context.
   */
  Future<Void> start(BiPredicate<TokenKey, TokenResponse> sink);

  /** {@code {"enabled", "members", "node", "remoteConsumers"}} for readiness; no secret. */
  JsonObject status();

  Future<Void> close();
}
