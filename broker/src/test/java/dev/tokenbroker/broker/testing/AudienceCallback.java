package dev.tokenbroker.broker.testing;

import com.nimbusds.oauth2.sdk.TokenRequest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import no.nav.security.mock.oauth2.token.OAuth2TokenCallback;

/**
 * Makes mock-oauth2-server issue client_credentials tokens the way Auth0 does: {@code aud} from the
 * {@code audience} (or {@code resource}) form parameter, {@code scope} as requested, {@code azp}
 * the client id, and a lifetime the test can change.
 */
public final class AudienceCallback implements OAuth2TokenCallback {

  private final String defaultAudience;
  private volatile long expirySeconds = 3600;

  public AudienceCallback(String defaultAudience) {
    this.defaultAudience = defaultAudience;
  }

  public void expirySeconds(long seconds) {
    this.expirySeconds = seconds;
  }

  @Override
  public String issuerId() {
    return "default";
  }

  @Override
  public String subject(TokenRequest request) {
    return clientId(request);
  }

  @Override
  public String typeHeader(TokenRequest request) {
    return "at+jwt";
  }

  @Override
  public List<String> audience(TokenRequest request) {
    Map<String, List<String>> form;
    try {
      form = request.toHTTPRequest().getBodyAsFormParameters();
    } catch (com.nimbusds.oauth2.sdk.ParseException e) {
      form = Map.of();
    }
    for (String name : List.of("audience", "resource")) {
      List<String> v = form.get(name);
      if (v != null && !v.isEmpty()) {
        return List.of(v.get(0));
      }
    }
    return List.of(defaultAudience);
  }

  @Override
  public Map<String, Object> addClaims(TokenRequest request) {
    Map<String, Object> claims = new HashMap<>();
    claims.put("azp", clientId(request));
    if (request.getScope() != null) {
      claims.put("scope", request.getScope().toString());
    }
    return claims;
  }

  @Override
  public long tokenExpiry() {
    return expirySeconds;
  }

  private static String clientId(TokenRequest request) {
    if (request.getClientAuthentication() != null) {
      return request.getClientAuthentication().getClientID().getValue();
    }
    return request.getClientID() == null ? "unknown" : request.getClientID().getValue();
  }
}
