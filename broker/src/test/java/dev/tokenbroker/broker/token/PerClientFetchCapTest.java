package dev.tokenbroker.broker.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tokenbroker.broker.config.CacheOptions;
import dev.tokenbroker.broker.config.RetryOptions;
import dev.tokenbroker.broker.idp.IdpClient;
import dev.tokenbroker.broker.idp.NamedIdpClients;
import dev.tokenbroker.broker.idp.TokenRequest;
import dev.tokenbroker.broker.idp.TokenResponse;
import dev.tokenbroker.common.config.ConfigReader;
import dev.tokenbroker.testing.MutableClock;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The cap on background fetches is per client: a client whose IdP hangs uses up its own slots,
 * never another client's. The IdPs are stand-ins that record calls and never answer.
 */
@ExtendWith(VertxExtension.class)
class PerClientFetchCapTest {

  /** An IdP that never answers; it records what it was asked for. */
  private static final class Hanging implements IdpClient {
    final List<String> asked = new ArrayList<>();

    @Override
    public Future<TokenResponse> fetch(TokenRequest key) {
      asked.add(key.audience());
      return Promise.<TokenResponse>promise().future();
    }

    @Override
    public Future<Void> close() {
      return Future.succeededFuture();
    }
  }

  @Test
  void aHangingClientHoldsBackOnlyItsOwnKeys(Vertx vertx) {
    Hanging slow = new Hanging();
    Hanging other = new Hanging();
    Map<String, IdpClient> clients = new LinkedHashMap<>();
    clients.put("slow", slow);
    clients.put("other", other);
    TokenCache cache =
        new TokenCache(
                vertx,
                NamedIdpClients.of(clients),
                MutableClock.atSystemTime(),
                new CacheOptions(new ConfigReader("cache", new JsonObject())),
                new RetryOptions(new ConfigReader("retry", new JsonObject())),
                CacheListener.all(List.of()),
                1)
            .maxBackgroundFetches(1)
            .maxBackgroundFetches("other", 2);
    cache.start(
        List.of(
            TokenKey.of("slow", "https://a", List.of()),
            TokenKey.of("slow", "https://b", List.of()),
            TokenKey.of("other", "https://c", List.of()),
            TokenKey.of("other", "https://d", List.of()),
            TokenKey.of("other", "https://e", List.of())),
        false);
    assertEquals(1, slow.asked.size(), "slow: its cap of 1");
    assertEquals(2, other.asked.size(), "other: its own cap of 2, whatever slow holds");
    cache.tick();
    assertEquals(1, slow.asked.size());
    assertEquals(2, other.asked.size());
    cache.stop();
  }

  @Test
  void aKeyOfAnUnknownClientIsRefused(Vertx vertx) {
    TokenCache cache =
        new TokenCache(
            vertx,
            new Hanging(),
            MutableClock.atSystemTime(),
            new CacheOptions(new ConfigReader("cache", new JsonObject())),
            new RetryOptions(new ConfigReader("retry", new JsonObject())),
            CacheListener.all(List.of()),
            1);
    TokenFailure f =
        (TokenFailure) cache.get(TokenKey.of("nobody", "https://a", List.of())).cause();
    assertEquals(403, f.status());
    assertThrows(
        IllegalArgumentException.class,
        () -> cache.start(List.of(TokenKey.of("nobody", "https://a", List.of())), false));
    assertEquals(0, cache.size());
  }
}
