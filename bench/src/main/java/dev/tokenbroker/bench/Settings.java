package dev.tokenbroker.bench;

import dev.tokenbroker.bench.process.JvmFlags;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a run does, from {@code BENCH_*} environment variables (defaults in brackets). {@code
 * --quick} shortens everything for a smoke test.
 *
 * @param rounds interleaved rounds per comparison [3]
 * @param seconds length of one measured load run [3]
 * @param warmupSeconds load on each server before its first measured run [3]
 * @param tokenSeconds lifetime of the refresh-storm tokens [10]
 * @param stormSeconds length of each refresh storm [30]
 * @param callers concurrent callers in the IdP-call bursts and storms [1000]
 * @param keys rotating keys in the token GET runs [1000]
 * @param tokens distinct tokens rotating in the students-rs runs [1000]
 * @param connections wrk connection counts for token GET [1,16,64]
 * @param prefetchKeys whether the many-keys brokers prefetch them all (false: the harness fetches
 *     them, 8 at a time) [true]
 * @param flagSets JVM flag sets of the broker and its baseline in section 1, the first also in
 *     sections 2, 3 and 5c [sidecar,jvm-default]
 * @param studentsFlags JVM flags of the three servers of section 4 [jvm-default]
 * @param variants flag sets compared in the footprint section (the frontier) [see {@link
 *     #DEFAULT_VARIANTS}]
 * @param sections which sections run [token,eventbus,idp,students,scaling,footprint,prefetch]
 * @param budgetSeconds no section starts after this much wall time [560]
 */
public record Settings(
    int rounds,
    int seconds,
    int warmupSeconds,
    int tokenSeconds,
    int stormSeconds,
    int callers,
    int keys,
    int tokens,
    List<Integer> connections,
    boolean prefetchKeys,
    List<JvmFlags> flagSets,
    JvmFlags studentsFlags,
    List<JvmFlags> variants,
    Set<String> sections,
    int budgetSeconds) {

  /**
   * The footprint frontier: per JDK, the C2 reference (JVM defaults) and what trades against it.
   */
  public static final String DEFAULT_VARIANTS =
      "jvm-default,sidecar,sidecar-c2,sidecar-c2-lean,jvm-default-25,sidecar-c1-25,sidecar-c2-25";

  public static final String DEFAULT_SECTIONS =
      "token,eventbus,idp,students,scaling,footprint,prefetch,fleet";

  public static Settings from(Map<String, String> env, boolean quick) {
    return new Settings(
        num(env, "BENCH_ROUNDS", quick ? 1 : 3),
        num(env, "BENCH_SECONDS", quick ? 2 : 3),
        num(env, "BENCH_WARMUP_SECONDS", quick ? 1 : 3),
        num(env, "BENCH_TOKEN_SECONDS", quick ? 4 : 10),
        num(env, "BENCH_STORM_SECONDS", quick ? 9 : 30),
        num(env, "BENCH_CALLERS", 1000),
        num(env, "BENCH_KEYS", 1000),
        num(env, "BENCH_TOKENS", 1000),
        List.of(env.getOrDefault("BENCH_CONNECTIONS", "1,16,64").split(",")).stream()
            .map(String::trim)
            .map(Integer::parseInt)
            .toList(),
        Boolean.parseBoolean(env.getOrDefault("BENCH_PREFETCH_KEYS", "true")),
        List.of(
                env.getOrDefault("BENCH_FLAGS", JvmFlags.RECOMMENDED.label() + ",jvm-default")
                    .split(","))
            .stream()
            .map(JvmFlags::byLabel)
            .toList(),
        JvmFlags.byLabel(env.getOrDefault("BENCH_STUDENTS_FLAGS", "jvm-default")),
        List.of(env.getOrDefault("BENCH_VARIANTS", DEFAULT_VARIANTS).split(",")).stream()
            .map(String::trim)
            .map(JvmFlags::byLabel)
            .toList(),
        Set.of(env.getOrDefault("BENCH_SECTIONS", DEFAULT_SECTIONS).split(",")),
        num(env, "BENCH_BUDGET_SECONDS", 860));
  }

  private static int num(Map<String, String> env, String name, int def) {
    String v = env.get(name);
    return v == null || v.isBlank() ? def : Integer.parseInt(v.trim());
  }

  /** The main flag set: the first of {@code BENCH_FLAGS}. */
  public JvmFlags flags() {
    return flagSets.get(0);
  }

  public boolean runs(String section) {
    return sections.contains(section);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("rounds", rounds)
        .put("seconds", seconds)
        .put("warmup_seconds", warmupSeconds)
        .put("token_seconds", tokenSeconds)
        .put("storm_seconds", stormSeconds)
        .put("callers", callers)
        .put("keys", keys)
        .put("tokens", tokens)
        .put("connections", connections)
        .put("prefetch_keys", prefetchKeys)
        .put("flags", flagSets.stream().map(JvmFlags::label).toList())
        .put("students_flags", studentsFlags.label())
        .put("variants", variants.stream().map(JvmFlags::label).toList());
  }
}
