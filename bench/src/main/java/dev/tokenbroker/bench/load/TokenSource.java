package dev.tokenbroker.bench.load;

import io.vertx.core.Future;

/** Something application code asks for an access token: the broker, or a naive in-process cache. */
public interface TokenSource {

  /** The access token to use now. */
  Future<String> token();
}
