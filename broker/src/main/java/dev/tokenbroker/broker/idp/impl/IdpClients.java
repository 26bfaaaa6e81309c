package dev.tokenbroker.broker.idp.impl;

import dev.tokenbroker.broker.config.IdpOptions;
import dev.tokenbroker.broker.config.ReloadableFile;
import dev.tokenbroker.broker.config.Secret;
import dev.tokenbroker.broker.idp.IdpClient;
import io.vertx.core.Vertx;
import java.time.Clock;

/** Assembles the HTTP client with what the configuration asks for, below the breaker. */
public final class IdpClients {

  private IdpClients() {}

  /** The HTTP client; with a secret file, behind {@link RotatingSecretIdpClient}. */
  public static IdpClient withSecretRotation(Vertx vertx, IdpOptions idp, Clock clock) {
    if (idp.clientSecretFile() == null) {
      return new HttpIdpClient(vertx, idp, clock);
    }
    ReloadableFile<Secret> file =
        new ReloadableFile<>(
                vertx,
                idp.clientSecretFile(),
                "client secret",
                Secret::fromFileContent,
                idp.clientSecret())
            .watch(idp.secretReloadSeconds() * 1000);
    return new RotatingSecretIdpClient(new HttpIdpClient(vertx, idp, clock, file::current), file);
  }
}
