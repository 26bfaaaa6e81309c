package dev.tokenbroker.broker.testing;

import dev.tokenbroker.broker.idp.IdpException;
import dev.tokenbroker.broker.token.CacheListener;
import dev.tokenbroker.broker.token.Token;
import dev.tokenbroker.broker.token.TokenKey;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Records cache events so tests wait on events, not on time. */
public final class Events implements CacheListener {

  private final BlockingQueue<Token> refreshed = new LinkedBlockingQueue<>();
  private final BlockingQueue<IdpException> failed = new LinkedBlockingQueue<>();
  private final BlockingQueue<String> evicted = new LinkedBlockingQueue<>();

  @Override
  public void refreshed(Token token, long latencyMillis) {
    refreshed.add(token);
  }

  @Override
  public void fetchFailed(TokenKey key, IdpException failure, long latencyMillis, long next) {
    failed.add(failure);
  }

  @Override
  public void evicted(TokenKey key, String reason) {
    evicted.add(key + " " + reason);
  }

  public Token nextRefresh() {
    return take(refreshed, "refresh");
  }

  public IdpException nextFailure() {
    return take(failed, "fetch failure");
  }

  public String nextEviction() {
    return take(evicted, "eviction");
  }

  public int pendingRefreshes() {
    return refreshed.size();
  }

  public int pendingFailures() {
    return failed.size();
  }

  private static <T> T take(BlockingQueue<T> q, String what) {
    try {
      T t = q.poll(15, TimeUnit.SECONDS);
      if (t == null) {
        throw new AssertionError("no " + what + " within 15 s");
      }
      return t;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
