package dev.tokenbroker.broker.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.testing.FaultProxy.Mode;
import dev.tokenbroker.broker.testing.RunningBroker;
import dev.tokenbroker.broker.testing.RunningBroker.Answer;
import dev.tokenbroker.broker.testing.TestIdp;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Several IdP outages in a row against the broker with its default {@code retry} settings, in real
 * time (the broker's periodic tick, the breaker's open intervals and the callers all run on the
 * wall clock): per outage, the IdP calls it cost and the time from the IdP answering again to the
 * first token served. Tokens live 8 s, so the held token runs out during each outage and callers
 * get 503 until the broker notices the IdP is back.
 */
@ExtendWith(VertxExtension.class)
class OutageRecoveryTest {

  private static final String URI =
      "/v1/token?audience=https://students-api&scope=read:students%20write:students";
  private static final long MAX_RECOVERY_MILLIS = 5_000;
  private static final int MAX_CALLS_IN_20_S = 10;

  private record Outage(Mode fault, int seconds) {}

  private record Figures(Outage outage, int idpCalls, long recoveryMillis) {
    @Override
    public String toString() {
      return String.format(
          "%-9s %2d s outage: %2d IdP token requests, served again %5d ms after the IdP came back",
          outage.fault(), outage.seconds(), idpCalls, recoveryMillis);
    }
  }

  @Test
  void eachOutageEndsWithinSecondsAndCostsFewIdpCalls(Vertx vertx) throws Exception {
    List<Outage> outages =
        List.of(
            new Outage(Mode.ERROR_503, 20),
            new Outage(Mode.DOWN, 12),
            new Outage(Mode.ERROR_500, 20));
    List<Figures> figures = new ArrayList<>();
    try (TestIdp idp = TestIdp.start(vertx).tokenLifetimeSeconds(8)) {
      JsonObject config = idp.brokerConfig();
      config.remove("retry"); // the defaults are what is measured
      RunningBroker broker = RunningBroker.deploy(vertx, config, Clock.systemUTC(), true);
      try {
        for (Outage outage : outages) {
          awaitServed(broker, TimeUnit.SECONDS.toNanos(30));
          int before = idp.proxy().tokenRequests();
          idp.proxy().retryAfter("1").mode(outage.fault());
          long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(outage.seconds());
          int last = 0;
          while (System.nanoTime() < end) {
            last = broker.getToken(URI).await().status();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
          }
          assertEquals(503, last, outage + ": the held token should have run out");
          int calls = idp.proxy().tokenRequests() - before;
          idp.proxy().mode(Mode.PASS);
          long back = System.nanoTime();
          awaitServed(broker, TimeUnit.SECONDS.toNanos(40));
          long recovery = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - back);
          Figures f = new Figures(outage, calls, recovery);
          System.out.println("outage figures: " + f);
          figures.add(f);
        }
      } finally {
        broker.undeploy();
      }
    }
    for (Figures f : figures) {
      assertTrue(f.recoveryMillis() <= MAX_RECOVERY_MILLIS, "too slow to recover: " + f);
      if (f.outage().seconds() <= 20) {
        assertTrue(f.idpCalls() <= MAX_CALLS_IN_20_S, "too many IdP calls: " + f);
      }
      assertTrue(f.idpCalls() >= 2, "the IdP was probed during the outage: " + f);
    }
  }

  private static void awaitServed(RunningBroker broker, long timeoutNanos) {
    long deadline = System.nanoTime() + timeoutNanos;
    while (true) {
      Answer a = broker.getToken(URI).await();
      if (a.status() == 200) {
        return;
      }
      assertTrue(System.nanoTime() < deadline, "not served again: " + a.body());
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
  }
}
