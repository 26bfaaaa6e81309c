package dev.tokenbroker.students.api.impl;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Gives each request an id: the caller's {@code X-Request-Id} when it is a single well-formed value
 * ({@code [A-Za-z0-9._-]{1,64}}), a fresh random UUID otherwise. Echoed in the response.
 */
public final class RequestIdHandler implements Handler<RoutingContext> {

  public static final String HEADER = "X-Request-Id";
  public static final String KEY = "requestId";

  private static final Pattern WELL_FORMED = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  @Override
  public void handle(RoutingContext ctx) {
    List<String> incoming = ctx.request().headers().getAll(HEADER);
    String id =
        incoming.size() == 1 && WELL_FORMED.matcher(incoming.get(0)).matches()
            ? incoming.get(0)
            : randomId();
    ctx.put(KEY, id);
    ctx.response().putHeader(HEADER, id);
    ctx.next();
  }

  /**
   * A random (version 4) UUID from {@link ThreadLocalRandom}: {@code UUID.randomUUID()} draws from
   * one shared {@code SecureRandom} behind a lock, which every event loop would queue on. A request
   * id correlates log lines; it is no secret and needs no cryptographic randomness.
   */
  static String randomId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
    long lsb = (random.nextLong() & ~(0xC000L << 48)) | (0x8000L << 48);
    return new UUID(msb, lsb).toString();
  }
}
