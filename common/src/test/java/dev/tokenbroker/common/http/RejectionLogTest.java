package dev.tokenbroker.common.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class RejectionLogTest {

  private final AtomicLong now = new AtomicLong(1_000);
  private final List<String> counted = new ArrayList<>();
  private final List<LogRecord> lines = new ArrayList<>();

  private RejectionLog log() {
    Logger logger = Logger.getLogger("test.rejections");
    logger.setUseParentHandlers(false);
    logger.addHandler(
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            lines.add(r);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        });
    return new RejectionLog("test.rejections", counted::add, now::get, 60);
  }

  @Test
  void everyRejectionIsCountedButLoggedOncePerReasonPerInterval() {
    RejectionLog log = log();
    for (int i = 0; i < 5; i++) {
      log.reject("bad_path", null);
    }
    log.reject("head_timeout", "no head");
    assertEquals(6, counted.size());
    assertEquals(2, lines.size());
    now.addAndGet(TimeUnit.SECONDS.toNanos(61));
    log.reject("bad_path", null);
    assertEquals(3, lines.size());
    assertTrue(
        lines.get(2).getMessage().contains("4 more of this kind"), lines.get(2).getMessage());
    for (LogRecord r : lines) {
      assertNull(r.getThrown(), "never a stack trace");
    }
  }

  @Test
  void descriptionsAreShortAndPrintable() {
    String d = RejectionLog.describe(new IllegalArgumentException("a\r\nb" + "x".repeat(500)));
    assertTrue(d.startsWith("IllegalArgumentException: a??b"), d);
    assertTrue(d.length() < 200, d);
  }

  @Test
  void limitsValidateNamingTheField() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                new ListenerLimits(10)
                    .setMaxHeaders(1)
                    .validate((k, p) -> new IllegalStateException(k + ": " + p)));
    assertEquals("maxHeaders: must be between 8 and 10000", e.getMessage());
    new ListenerLimits(256).validate((k, p) -> new IllegalStateException(k));
  }

  @Test
  void limitsApplyToServerOptions() {
    var o = new ListenerLimits(5).applyTo(new io.vertx.core.http.HttpServerOptions());
    assertFalse(o.isHttp2ClearTextEnabled());
    assertEquals(ListenerLimits.DEFAULT_MAX_HEADER_BYTES, o.getMaxHeaderSize());
    assertEquals(ListenerLimits.DEFAULT_MAX_INITIAL_LINE_BYTES, o.getMaxInitialLineLength());
    assertEquals(ListenerLimits.DEFAULT_IDLE_TIMEOUT_SECONDS, o.getIdleTimeout());
  }

  @Test
  void pathsWithBrokenPercentEncodingAreRecognised() {
    for (String bad : List.of("/%zz", "/%", "/a%2", "/%2g", "/x/%")) {
      assertFalse(HardenedHttpServer.wellFormedPath(bad), bad);
    }
    for (String good : List.of("/", "/students", "/a%20b", "/%2F%2f", "/v1/token")) {
      assertTrue(HardenedHttpServer.wellFormedPath(good), good);
    }
  }
}
