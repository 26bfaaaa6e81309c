package dev.tokenbroker.caller.run.impl;

import static dev.tokenbroker.caller.run.LabRun.*;

import dev.tokenbroker.caller.config.CallerOptions;
import dev.tokenbroker.caller.run.LabRun;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.oauth2.OAuth2Auth;
import io.vertx.ext.auth.oauth2.OAuth2FlowType;
import io.vertx.ext.auth.oauth2.OAuth2Options;
import io.vertx.ext.auth.oauth2.Oauth2Credentials;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.OAuth2WebClient;
import io.vertx.ext.web.client.OAuth2WebClientOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.client.impl.ClientPhase;
import java.net.ConnectException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link LabRun} with {@code vertx-auth-oauth2}: an {@link OAuth2Auth} whose {@code site} is the
 * broker and {@code tokenPath} its drop-in endpoint, wrapped per run in an {@link OAuth2WebClient}
 * ({@code withCredentials}, client flow). A fresh wrapper per run (it shares the pooled {@link
 * WebClient}) means every run asks the broker, so the page always shows that step; the broker
 * answers from its cache. An interceptor added after the OAuth2 one sees the request once the token
 * is there: that instant splits the token time from the students time, and whether it was reached
 * tells a token failure from a students failure.
 */
public final class OAuth2LabRun implements LabRun {

  /** {@code error: description} as {@code OAuth2API} reports an RFC 6749 error answer. */
  private static final Pattern OAUTH_ERROR = Pattern.compile("^([a-z_]{3,40})(?:: (.*))?$");

  private static final Pattern CHALLENGE_ERROR = Pattern.compile("error=\"([^\"]*)\"");
  private static final Pattern CHALLENGE_DESCRIPTION =
      Pattern.compile("error_description=\"([^\"]*)\"");
  private static final int MAX_MESSAGE = 300;
  private static final int MAX_STUDENTS_BYTES = 1024 * 1024;

  private final CallerOptions options;
  private final OAuth2Auth oauth2;
  private final WebClient web;
  private final Oauth2Credentials credentials;
  private final String tokenRequest;

  public OAuth2LabRun(Vertx vertx, CallerOptions options) {
    this.options = new CallerOptions(options);
    String site = options.getBrokerUrl().replaceAll("/+$", "");
    this.tokenRequest = "POST " + site + options.getTokenPath();
    HttpClientOptions http =
        new HttpClientOptions()
            .setConnectTimeout(options.getTimeoutMs())
            .setIdleTimeout(options.getTimeoutMs())
            .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    this.oauth2 =
        OAuth2Auth.create(
            vertx,
            new OAuth2Options()
                .setSite(site)
                .setTokenPath(options.getTokenPath())
                .setClientId(options.getClientId())
                .setClientSecret(options.getClientSecret())
                .setUseBasicAuthorization("client_secret_basic".equals(options.getAuthMethod()))
                .setExtraParameters(new JsonObject().put("audience", options.getAudience()))
                .setHttpClientOptions(http));
    this.web =
        WebClient.create(
            vertx,
            new WebClientOptions()
                .setConnectTimeout(options.getTimeoutMs())
                .setUserAgent("token-broker-lab-caller"));
    this.credentials =
        new Oauth2Credentials().setFlow(OAuth2FlowType.CLIENT).setScopes(options.getScopes());
  }

  @Override
  public Future<JsonObject> run() {
    Clock clock = new Clock(System.nanoTime());
    OAuth2WebClient client =
        OAuth2WebClient.create(
                web, oauth2, new OAuth2WebClientOptions().setRenewTokenOnForbidden(true))
            .withCredentials(credentials);
    client.addInterceptor(
        context -> {
          if (context.phase() == ClientPhase.CREATE_REQUEST) {
            clock.tokenObtained();
          }
          context.next();
        });
    return client
        .getAbs(options.getStudentsUrl())
        .putHeader("Accept", "application/json")
        .timeout(options.getTimeoutMs())
        .send()
        // The token request and the students call each get timeoutMs; this bounds the pair.
        .timeout(2L * options.getTimeoutMs() + 500, TimeUnit.MILLISECONDS)
        .transform(done -> Future.succeededFuture(report(clock, done, client.getUser())));
  }

  private JsonObject report(Clock clock, AsyncResult<HttpResponse<Buffer>> done, User user) {
    long end = System.nanoTime();
    JsonObject token =
        new JsonObject()
            .put("name", STEP_TOKEN)
            .put("request", tokenRequest)
            .put("audience", options.getAudience())
            .put("scope", String.join(" ", options.getScopes()));
    JsonObject students =
        new JsonObject()
            .put("name", STEP_STUDENTS)
            .put("request", "GET " + options.getStudentsUrl());
    JsonObject timings = new JsonObject();
    JsonObject out = new JsonObject();
    if (!clock.hasToken()) {
      fail(token, tokenError(done.cause()));
      students.put("status", SKIPPED);
      timings.put("tokenMs", ms(end - clock.start)).put("totalMs", ms(end - clock.start));
      return out.put("ok", false).put("timings", timings).put("steps", steps(token, students));
    }
    token.put("status", OK).put("fetches", clock.fetches);
    if (user != null) {
      JsonObject p = user.principal();
      token
          .put("tokenType", p.getString("token_type"))
          .put("expiresIn", p.getValue("expires_in"))
          .put("grantedScope", p.getString("scope"));
    }
    timings
        .put("tokenMs", ms(clock.firstToken - clock.start))
        .put("studentsMs", ms(end - clock.lastToken))
        .put("totalMs", ms(end - clock.start));
    out.put("timings", timings);
    Failure failure = studentsOutcome(done, students, out);
    if (failure != null) {
      fail(students, failure);
      out.remove("students");
      return new JsonObject()
          .put("ok", false)
          .put("timings", timings)
          .put("steps", steps(token, students));
    }
    students.put("status", OK);
    return new JsonObject()
        .put("ok", true)
        .put("students", out.getValue("students"))
        .put("timings", timings)
        .put("steps", steps(token, students));
  }

  private Failure studentsOutcome(
      AsyncResult<HttpResponse<Buffer>> done, JsonObject step, JsonObject out) {
    if (done.failed()) {
      Throwable cause = done.cause();
      if (cause instanceof TimeoutException || String.valueOf(cause).contains("imeout")) {
        return new Failure(TIMEOUT, "students-rs did not answer in time");
      }
      if (isConnectFailure(cause)) {
        return new Failure(STUDENTS_UNREACHABLE, "cannot connect to " + options.getStudentsUrl());
      }
      return new Failure(BAD_RESPONSE, message(cause));
    }
    HttpResponse<Buffer> response = done.result();
    step.put("httpStatus", response.statusCode());
    if (response.statusCode() != 200) {
      String challenge = response.getHeader("WWW-Authenticate");
      String message = "students-rs answered " + response.statusCode();
      if (challenge != null) {
        Matcher e = CHALLENGE_ERROR.matcher(challenge);
        Matcher d = CHALLENGE_DESCRIPTION.matcher(challenge);
        if (e.find()) {
          step.put("challengeError", e.group(1));
          message += " " + e.group(1);
        }
        if (d.find()) {
          message += ": " + d.group(1);
        }
      }
      return new Failure("http_" + response.statusCode(), truncate(message));
    }
    Buffer body = response.body();
    if (body == null || body.length() > MAX_STUDENTS_BYTES) {
      return new Failure(BAD_RESPONSE, "no body, or one over " + MAX_STUDENTS_BYTES + " bytes");
    }
    try {
      JsonArray students = new JsonArray(body);
      step.put("rows", students.size());
      out.put("students", students);
      return null;
    } catch (RuntimeException e) {
      return new Failure(BAD_RESPONSE, "the body is not a JSON array");
    }
  }

  private Failure tokenError(Throwable cause) {
    if (cause instanceof TimeoutException || String.valueOf(cause).contains("imeout")) {
      return new Failure(TIMEOUT, "the broker did not answer in time");
    }
    if (isConnectFailure(cause)) {
      return new Failure(
          BROKER_UNREACHABLE, "cannot connect to the broker at " + options.getBrokerUrl());
    }
    String text = message(cause);
    Matcher m = OAUTH_ERROR.matcher(text);
    if (m.matches()) {
      return new Failure(m.group(1), m.group(2) == null ? m.group(1) : truncate(m.group(2)));
    }
    return new Failure(TOKEN_REQUEST_FAILED, text);
  }

  private static boolean isConnectFailure(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof ConnectException
          || t.getClass().getName().endsWith("ConnectTimeoutException")) {
        return true;
      }
    }
    return false;
  }

  private static String message(Throwable cause) {
    String m = cause == null ? null : cause.getMessage();
    return truncate(m == null ? String.valueOf(cause) : m);
  }

  private static String truncate(String s) {
    return s.length() <= MAX_MESSAGE ? s : s.substring(0, MAX_MESSAGE) + "...";
  }

  private static void fail(JsonObject step, Failure f) {
    step.put("status", ERROR).put("error", f.error).put("message", f.message);
  }

  private static JsonArray steps(JsonObject... steps) {
    JsonArray a = new JsonArray();
    for (JsonObject s : steps) {
      a.add(s);
    }
    return a;
  }

  private static long ms(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  @Override
  public Future<Void> close() {
    web.close();
    return Future.succeededFuture();
  }

  private record Failure(String error, String message) {}

  /** When the run started and when the OAuth2 interceptor let the request go (event loop only). */
  private static final class Clock {
    final long start;
    long firstToken;
    long lastToken;
    int fetches;

    Clock(long start) {
      this.start = start;
    }

    void tokenObtained() {
      long now = System.nanoTime();
      if (fetches == 0) {
        firstToken = now;
      }
      lastToken = now;
      fetches++;
    }

    boolean hasToken() {
      return fetches > 0;
    }
  }
}
