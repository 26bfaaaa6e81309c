package dev.tokenbroker.bench.servers;

import dev.tokenbroker.students.auth.TokenValidator;
import dev.tokenbroker.students.config.TokenValidatorOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The in-JVM half of the scaling section: one students-rs {@link TokenValidator} (token cache off,
 * so every call checks the RSA signature) shared by {@code threads} plain threads, each validating
 * the tokens of a file round-robin for {@code seconds}; no HTTP, no load generator competing for
 * the cores. Run under {@code taskset} by the harness; prints one {@code SCALING {json}} line.
 *
 * <p>{@code java -cp students-rs.jar:bench-classes ValidatorScaling --issuer I --audience A
 * --jwks-uri U --tokens FILE --threads N --seconds S}
 */
public final class ValidatorScaling {

  private ValidatorScaling() {}

  public static void main(String[] args) throws Exception {
    JsonObject a = new JsonObject();
    for (int i = 0; i + 1 < args.length; i += 2) {
      a.put(args[i].substring(2), args[i + 1]);
    }
    List<String> tokens =
        Files.readAllLines(Path.of(a.getString("tokens"))).stream()
            .filter(l -> !l.isBlank())
            .toList();
    int threads = Integer.parseInt(a.getString("threads"));
    double seconds = Double.parseDouble(a.getString("seconds"));
    Vertx vertx = Vertx.vertx();
    TokenValidator validator =
        TokenValidator.create(
            vertx,
            new TokenValidatorOptions(
                    new JsonObject()
                        .put("issuer", a.getString("issuer"))
                        .put("audience", a.getString("audience"))
                        .put("jwksUri", a.getString("jwks-uri"))
                        .put("tokenCache", new JsonObject().put("maxEntries", 0)))
                .validate(),
            Clock.systemUTC());
    // The first call fetches the key set; every later one only verifies.
    validator
        .validate(tokens.get(0))
        .toCompletionStage()
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    AtomicLong ok = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    long warmupEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
    long end = warmupEnd + (long) (seconds * 1e9);
    Thread[] workers = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      int offset = t * tokens.size() / threads;
      workers[t] =
          new Thread(
              () -> {
                int i = offset;
                long n = 0;
                long bad = 0;
                while (true) {
                  long now = System.nanoTime();
                  if (now >= end) {
                    break;
                  }
                  boolean measured = now >= warmupEnd;
                  try {
                    validator
                        .validate(tokens.get(i))
                        .toCompletionStage()
                        .toCompletableFuture()
                        .get(10, TimeUnit.SECONDS);
                    if (measured) {
                      n++;
                    }
                  } catch (Exception e) {
                    if (measured) {
                      bad++;
                    }
                  }
                  i = (i + 1) % tokens.size();
                }
                ok.addAndGet(n);
                failed.addAndGet(bad);
              },
              "validator-" + t);
      workers[t].start();
    }
    for (Thread w : workers) {
      w.join();
    }
    System.out.println(
        "SCALING "
            + new JsonObject()
                .put("threads", threads)
                .put("processors", Runtime.getRuntime().availableProcessors())
                .put("validations", ok.get())
                .put("failed", failed.get())
                .put("seconds", seconds)
                .put("per_second", ok.get() / seconds)
                .encode());
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    System.exit(0);
  }
}
