package dev.tokenbroker.broker.idp.impl;

import dev.tokenbroker.broker.idp.IdpClient;
import dev.tokenbroker.broker.idp.IdpException;
import dev.tokenbroker.broker.idp.TokenRequest;
import dev.tokenbroker.broker.idp.TokenResponse;
import io.vertx.core.Future;
import java.util.logging.Logger;

/**
 * Follows rotated credentials (client secret, private key, client certificate): their files are
 * checked every {@code idp.secretReloadSeconds} and at once when the IdP rejects the client ({@code
 * invalid_client} or HTTP 401). A fetch rejected that way is retried once, right away, if a
 * credential in use changed since the fetch began. Sits inside the circuit breaker, so a fetch and
 * its retry count as one call.
 */
final class RotatingSecretIdpClient implements IdpClient {

  private static final Logger LOG = Logger.getLogger(RotatingSecretIdpClient.class.getName());

  private final IdpClient delegate;
  private final CredentialFiles secretFile;

  RotatingSecretIdpClient(IdpClient delegate, CredentialFiles secretFile) {
    this.delegate = delegate;
    this.secretFile = secretFile;
  }

  @Override
  public Future<TokenResponse> fetch(TokenRequest key) {
    long generation = secretFile.generation();
    return delegate
        .fetch(key)
        .recover(
            t -> {
              if (!(t instanceof IdpException e) || !rejectsClient(e)) {
                return Future.failedFuture(t);
              }
              return secretFile
                  .check()
                  .compose(
                      changed -> {
                        if (secretFile.generation() == generation) {
                          return Future.failedFuture(e);
                        }
                        LOG.info(
                            "the IdP rejected the client; retrying once with the new credentials");
                        return delegate.fetch(key);
                      });
            });
  }

  /** The IdP does not accept our client authentication (RFC 6749 §5.2). */
  static boolean rejectsClient(IdpException e) {
    return e.kind() == IdpException.Kind.REFUSED
        && ("invalid_client".equals(e.error()) || e.httpStatus() == 401);
  }

  @Override
  public String breakerState() {
    return delegate.breakerState();
  }

  @Override
  public Future<Void> close() {
    secretFile.close();
    return delegate.close();
  }
}
