package dev.tokenbroker.broker.idp.impl;

import dev.tokenbroker.broker.config.IdpOptions;
import dev.tokenbroker.broker.config.ReloadableFile;
import dev.tokenbroker.broker.config.Secret;
import dev.tokenbroker.broker.config.SigningKey;
import dev.tokenbroker.broker.config.TlsOptions;
import dev.tokenbroker.broker.idp.IdpClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.logging.Logger;

/** Assembles the HTTP client with what the configuration asks for, below the breaker. */
public final class IdpClients {

  private static final Logger LOG = Logger.getLogger(IdpClients.class.getName());

  private IdpClients() {}

  /**
   * The HTTP client; with credential files (secret, private key, client certificate), behind {@link
   * RotatingSecretIdpClient}, which follows their rotation.
   */
  public static IdpClient withSecretRotation(Vertx vertx, IdpOptions idp, Clock clock) {
    List<ReloadableFile<?>> files = new ArrayList<>();
    Supplier<Secret> secret = idp::clientSecret;
    if (idp.clientSecretFile() != null) {
      ReloadableFile<Secret> file =
          new ReloadableFile<>(
              vertx,
              idp.clientSecretFile(),
              "client secret",
              Secret::fromFileContent,
              idp.clientSecret());
      files.add(file);
      secret = file::current;
    }
    Supplier<SigningKey> key = idp::signingKey;
    if (idp.privateKeyFile() != null) {
      ReloadableFile<SigningKey> file =
          new ReloadableFile<>(
              vertx,
              idp.privateKeyFile(),
              "private key",
              content -> SigningKey.parse(content, idp.signingAlgorithm(), idp.keyId()),
              idp.signingKey());
      files.add(file);
      key = file::current;
    }
    HttpIdpClient http = new HttpIdpClient(vertx, idp, clock, secret, key);
    TlsOptions tls = idp.tls();
    ReloadableFile<Buffer> cert;
    ReloadableFile<Buffer> tlsKey;
    ReloadableFile<Buffer> trust;
    if (tls != null) {
      cert =
          new ReloadableFile<>(
              vertx, tls.certFile(), "client certificate", TlsOptions::certificates, tls.cert());
      tlsKey =
          new ReloadableFile<>(
              vertx,
              tls.keyFile(),
              "client certificate key",
              TlsOptions::privateKey,
              tls.revealKey());
      trust =
          tls.trustFile() == null
              ? null
              : new ReloadableFile<>(
                  vertx, tls.trustFile(), "IdP trust", TlsOptions::certificates, tls.trust());
      files.add(cert);
      files.add(tlsKey);
      if (trust != null) {
        files.add(trust);
      }
    } else {
      cert = null;
      tlsKey = null;
      trust = null;
    }
    if (files.isEmpty()) {
      return http;
    }
    CredentialFiles watched =
        new CredentialFiles(
                vertx,
                files,
                changed -> {
                  if (cert == null) {
                    return Future.succeededFuture();
                  }
                  return http.updateClientCertificate(
                          cert.current(), tlsKey.current(), trust == null ? null : trust.current())
                      .onSuccess(
                          v ->
                              LOG.info(
                                  "client certificate updated: new connections to the IdP"
                                      + " present it"))
                      .onFailure(
                          t ->
                              LOG.warning(
                                  "the new client certificate or key cannot be used (the previous"
                                      + " one stays in use): "
                                      + t.getClass().getSimpleName()));
                })
            .watch(idp.secretReloadSeconds() * 1000);
    return new RotatingSecretIdpClient(http, watched);
  }
}
