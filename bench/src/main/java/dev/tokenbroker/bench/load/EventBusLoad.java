package dev.tokenbroker.bench.load;

import dev.tokenbroker.testing.ChildProcess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Closed-loop request/reply load through a Vert.x TCP event-bus bridge: {@code outstanding}
 * requests spread over {@code connections} sockets, each answered request immediately replaced by
 * the next, for a warm-up then a measured window. Frames are the bridge's: a 4-byte big-endian
 * length and UTF-8 JSON, {@code {"type":"send","address","replyAddress","body"}} out and {@code
 * {"type":"message"|"err","address":replyAddress,...}} back.
 */
public final class EventBusLoad {

  private final Vertx vertx;
  private final int port;
  private final String address;
  private final JsonObject body;

  /**
   * @param vertx the client's Vert.x (give it one event loop, like {@code wrk -t1})
   */
  public EventBusLoad(Vertx vertx, int port, String address, JsonObject body) {
    this.vertx = vertx;
    this.port = port;
    this.address = address;
    this.body = body;
  }

  /** Runs one measurement; blocks the calling (non-event-loop) thread. */
  public LoadResult run(int connections, int outstanding, Duration warmup, Duration measure) {
    NetClient client = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true));
    long measureStart = System.nanoTime() + warmup.toNanos();
    long measureEnd = measureStart + measure.toNanos();
    List<Connection> conns = new ArrayList<>();
    int slot = 0;
    for (int c = 0; c < connections; c++) {
      int slots = outstanding / connections + (c < outstanding % connections ? 1 : 0);
      conns.add(new Connection(slot, slots, measureStart, measureEnd));
      slot += slots;
    }
    List<Future<NetSocket>> connected = new ArrayList<>();
    for (Connection c : conns) {
      connected.add(client.connect(port, "127.0.0.1").onSuccess(c::start));
    }
    await(Future.all(connected), 10);
    sleepUntil(measureEnd);
    conns.forEach(c -> c.stopping = true);
    long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (conns.stream().anyMatch(c -> c.inFlight > 0) && System.nanoTime() < drainDeadline) {
      ChildProcess.pause(10);
    }
    await(client.close(), 5);
    Latencies all = new Latencies();
    long errors = 0;
    for (Connection c : conns) {
      all.addAll(c.latencies);
      errors += c.errors;
    }
    double seconds = measure.toNanos() / 1e9;
    return new LoadResult(
        all.size() / seconds,
        all.percentileMs(50),
        all.percentileMs(90),
        all.percentileMs(99),
        all.percentileMs(100),
        all.size(),
        errors,
        -1);
  }

  /** One socket and its slots; touched only on its event loop except the volatile flags. */
  private final class Connection {
    final int firstSlot;
    final long[] sentAt;
    final Buffer[] frames;
    final long measureStart;
    final long measureEnd;
    final Latencies latencies = new Latencies();
    volatile boolean stopping;
    volatile int inFlight;
    long errors;
    NetSocket socket;
    int expectedSize = -1;

    Connection(int firstSlot, int slots, long measureStart, long measureEnd) {
      this.firstSlot = firstSlot;
      this.sentAt = new long[slots];
      this.frames = new Buffer[slots];
      this.measureStart = measureStart;
      this.measureEnd = measureEnd;
      for (int i = 0; i < slots; i++) {
        byte[] json =
            new JsonObject()
                .put("type", "send")
                .put("address", address)
                .put("replyAddress", "r" + (firstSlot + i))
                .put("body", body)
                .encode()
                .getBytes(StandardCharsets.UTF_8);
        frames[i] = Buffer.buffer(json.length + 4).appendInt(json.length).appendBytes(json);
      }
    }

    void start(NetSocket s) {
      socket = s;
      RecordParser parser = RecordParser.newFixed(4);
      parser.handler(
          b -> {
            if (expectedSize < 0) {
              expectedSize = b.getInt(0);
              parser.fixedSizeMode(expectedSize);
            } else {
              expectedSize = -1;
              parser.fixedSizeMode(4);
              onFrame(b);
            }
          });
      s.handler(parser);
      for (int i = 0; i < sentAt.length; i++) {
        send(i);
      }
    }

    void send(int i) {
      inFlight++;
      sentAt[i] = System.nanoTime();
      socket.write(frames[i].copy());
    }

    void onFrame(Buffer frame) {
      long now = System.nanoTime();
      JsonObject msg = frame.toJsonObject();
      String replyTo = msg.getString("address", "");
      if (!replyTo.startsWith("r")) {
        return;
      }
      int i = Integer.parseInt(replyTo.substring(1)) - firstSlot;
      inFlight--;
      boolean ok = "message".equals(msg.getString("type"));
      if (sentAt[i] >= measureStart && now <= measureEnd) {
        if (ok) {
          latencies.add(now - sentAt[i]);
        } else {
          errors++;
        }
      }
      if (!stopping) {
        send(i);
      }
    }
  }

  private static void await(Future<?> f, long seconds) {
    try {
      f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("event-bus client: " + e, e);
    }
  }

  private static void sleepUntil(long nanoTime) {
    long left;
    while ((left = nanoTime - System.nanoTime()) > 0) {
      ChildProcess.pause(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
    }
  }
}
