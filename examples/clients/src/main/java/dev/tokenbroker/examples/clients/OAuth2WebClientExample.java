package dev.tokenbroker.examples.clients;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpResponseExpectation;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.oauth2.OAuth2Auth;
import io.vertx.ext.auth.oauth2.OAuth2FlowType;
import io.vertx.ext.auth.oauth2.OAuth2Options;
import io.vertx.ext.auth.oauth2.Oauth2Credentials;
import io.vertx.ext.web.client.OAuth2WebClient;
import io.vertx.ext.web.client.OAuth2WebClientOptions;
import io.vertx.ext.web.client.WebClient;
import java.util.List;

/**
 * A Vert.x service's own OAuth 2.0 client, unchanged, pointed at the broker: {@code
 * vertx-auth-oauth2}'s {@link OAuth2Auth} (client flow) with {@code site} = the broker and {@code
 * tokenPath} = its drop-in {@code POST /oauth/token}, authenticated as a {@code localClients}
 * entry; {@link OAuth2WebClient} adds {@code Authorization: Bearer} to each request and, on a 401,
 * fetches a new token and retries once ({@code refreshTokenOnForbidden}).
 *
 * <pre>
 * BROKER_URL=http://127.0.0.1:4004 LOCAL_CLIENT_ID=orders LOCAL_CLIENT_SECRET=... \
 * STUDENTS_URL=http://127.0.0.1:4006 java -cp ... dev.tokenbroker.examples.clients.OAuth2WebClientExample
 * </pre>
 *
 * The audience travels as the extra form parameter {@code audience}; the broker accepts {@code
 * resource} (RFC 8707) as well.
 */
public final class OAuth2WebClientExample {

  private OAuth2WebClientExample() {}

  public static void main(String[] args) {
    String broker = Env.get("BROKER_URL", "http://127.0.0.1:4004");
    String students = Env.get("STUDENTS_URL", "http://127.0.0.1:4006");
    Vertx vertx = Vertx.vertx();
    OAuth2Auth oauth2 =
        OAuth2Auth.create(
            vertx,
            new OAuth2Options()
                .setSite(broker)
                .setTokenPath("/oauth/token")
                .setClientId(Env.required("LOCAL_CLIENT_ID"))
                .setClientSecret(Env.required("LOCAL_CLIENT_SECRET"))
                .setExtraParameters(
                    new JsonObject().put("audience", Env.get("AUDIENCE", "https://students-api"))));
    Oauth2Credentials credentials =
        new Oauth2Credentials()
            .setFlow(OAuth2FlowType.CLIENT)
            .setScopes(List.of(Env.get("SCOPE", "read:students").split(" ")));
    OAuth2WebClient client =
        OAuth2WebClient.create(
                WebClient.create(vertx),
                oauth2,
                new OAuth2WebClientOptions().setRenewTokenOnForbidden(true))
            .withCredentials(credentials);
    Future<String> body =
        // OAuth2Auth alone: the token response as a User's principal (printed without the token).
        oauth2
            .authenticate(credentials)
            .compose(
                user -> {
                  System.out.println("token: " + Env.redacted(user.principal()));
                  // OAuth2WebClient: gets its token the same way and sends it as a Bearer token.
                  return client
                      .getAbs(students + "/students")
                      .send()
                      .expecting(HttpResponseExpectation.SC_OK);
                })
            .map(resp -> resp.bodyAsString());
    Env.exit(vertx, body.map(b -> "students: 200 " + b));
  }
}
