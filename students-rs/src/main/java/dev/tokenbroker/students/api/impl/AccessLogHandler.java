package dev.tokenbroker.students.api.impl;

import dev.tokenbroker.common.log.JsonLogFormatter;
import dev.tokenbroker.common.log.LogSafe;
import dev.tokenbroker.students.api.AccessLogOutput;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.logging.Logger;

/**
 * One log line per request once the response is sent: request id, method, path, status, duration
 * and the caller's client id ({@code azp}, {@code client_id} or {@code sub} of a verified token).
 * Never the token, the {@code Authorization} header or the query string.
 */
public final class AccessLogHandler implements Handler<RoutingContext> {

  public static final String CLIENT_ID_KEY = "clientId";

  private static final Logger LOG = Logger.getLogger(AccessLogOutput.LOGGER);

  @Override
  public void handle(RoutingContext ctx) {
    long start = System.nanoTime();
    ctx.addEndHandler(
        ar -> {
          if (!LOG.isLoggable(java.util.logging.Level.INFO)) {
            return;
          }
          String client = ctx.get(CLIENT_ID_KEY);
          java.util.logging.LogRecord record =
              new java.util.logging.LogRecord(
                  java.util.logging.Level.INFO,
                  "request "
                      + ctx.request().method()
                      + " "
                      + LogSafe.text(ctx.request().path())
                      + " status="
                      + ctx.response().getStatusCode()
                      + " ms="
                      + (System.nanoTime() - start) / 1_000_000
                      + " client="
                      + (client == null ? "-" : client));
          record.setLoggerName(LOG.getName());
          // The formatter writes this parameter as the line's request_id field.
          record.setParameters(
              new Object[] {new JsonLogFormatter.RequestId(ctx.get(RequestIdHandler.KEY))});
          LOG.log(record);
        });
    ctx.next();
  }
}
