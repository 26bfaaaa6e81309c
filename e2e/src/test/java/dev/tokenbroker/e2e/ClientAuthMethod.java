package dev.tokenbroker.e2e;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

/** The two ways RFC 6749 section 2.3.1 lets a confidential client present its secret. */
enum ClientAuthMethod {
  /** HTTP Basic with the client id and secret. */
  CLIENT_SECRET_BASIC("client_secret_basic"),
  /** {@code client_id} and {@code client_secret} in the form body. */
  CLIENT_SECRET_POST("client_secret_post");

  private final String configValue;

  ClientAuthMethod(String configValue) {
    this.configValue = configValue;
  }

  /** The name used in the broker's {@code idp.authMethod} and in OIDC discovery. */
  String configValue() {
    return configValue;
  }

  /** A {@code client_credentials} request to {@code tokenEndpoint}, authenticated this way. */
  Future<HttpResponse<Buffer>> requestToken(
      WebClient client, String tokenEndpoint, String clientId, String secret, String scope) {
    MultiMap form = MultiMap.caseInsensitiveMultiMap().add("grant_type", "client_credentials");
    if (scope != null) {
      form.add("scope", scope);
    }
    var request = client.postAbs(tokenEndpoint);
    if (this == CLIENT_SECRET_BASIC) {
      request.basicAuthentication(clientId, secret);
    } else {
      form.add("client_id", clientId).add("client_secret", secret);
    }
    return request.sendForm(form);
  }
}
