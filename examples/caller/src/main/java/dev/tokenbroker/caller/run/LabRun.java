package dev.tokenbroker.caller.run;

import dev.tokenbroker.caller.config.CallerOptions;
import dev.tokenbroker.caller.run.impl.OAuth2LabRun;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * One run of the lab's sequence: a token from the broker's drop-in endpoint ({@code POST
 * /oauth/token}, client_credentials with the caller's local credentials), then {@code GET
 * /students} on students-rs with it. The token goes nowhere else: the report holds the students,
 * the timings and each step's status, never the token.
 *
 * <p>The report ({@link #run()} always succeeds; a failed step is data):
 *
 * <pre>{@code
 * {"ok": true,
 *  "students": [{"id":1,"name":"Ada"}, ...],
 *  "timings": {"tokenMs": 4, "studentsMs": 6, "totalMs": 10},
 *  "steps": [
 *    {"name":"token","status":"ok","request":"POST http://127.0.0.1:4004/oauth/token",
 *     "audience":"https://students-api","scope":"read:students","tokenType":"Bearer",
 *     "expiresIn":299,"fetches":1},
 *    {"name":"students","status":"ok","request":"GET http://127.0.0.1:4006/students",
 *     "httpStatus":200,"rows":2}]}
 * }</pre>
 *
 * A failed step has {@code "status":"error"}, an {@code error} code ({@link #BROKER_UNREACHABLE},
 * an RFC 6749 code such as {@code invalid_client} or {@code invalid_scope}, {@link
 * #STUDENTS_UNREACHABLE}, {@code http_401}, ...) and a {@code message}; the steps after it are
 * {@code "skipped"} and {@code ok} is false.
 */
public interface LabRun {

  String STEP_TOKEN = "token";
  String STEP_STUDENTS = "students";
  String OK = "ok";
  String ERROR = "error";
  String SKIPPED = "skipped";
  String BROKER_UNREACHABLE = "broker_unreachable";
  String STUDENTS_UNREACHABLE = "students_unreachable";
  String TOKEN_REQUEST_FAILED = "token_request_failed";
  String TIMEOUT = "timeout";
  String BAD_RESPONSE = "bad_response";

  /** A run with {@code options} (validated by the caller); one instance serves every run. */
  static LabRun create(Vertx vertx, CallerOptions options) {
    return new OAuth2LabRun(vertx, options);
  }

  /** Runs the sequence once; the future always succeeds with the report. */
  Future<JsonObject> run();

  /** Releases the HTTP clients. */
  Future<Void> close();
}
