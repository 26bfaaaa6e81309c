package dev.tokenbroker.bench.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A JVM set-up the benchmarks compare: which JDK, which flags, which environment variables (e.g.
 * {@code MALLOC_ARENA_MAX}) and which class-data archive of the broker jar (AppCDS on 17, the AOT
 * cache of JEP 483/514/515 on 25). Every server in one comparison runs with the same set; an
 * archive only ever applies to the broker jar (the baseline gets the rest of the set).
 *
 * <p>The named sets are in {@link #ALL}; {@code bench/README.md} lists them with what each trades.
 * {@code -XX:TrimNativeHeapInterval} is dropped when the JVM does not know it (before 17.0.9).
 */
public final class JvmFlags {

  /** The JDKs: the one running the harness ({@code java} on the PATH, 17) and Temurin 25. */
  public enum Jdk {
    DEFAULT("17"),
    TEMURIN_25("25");

    private final String label;

    Jdk(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }

    /** The {@code java} binary; Temurin 25 from {@code BENCH_JDK25} or its Debian-style path. */
    public String java() {
      if (this == DEFAULT) {
        return ProcessHandle.current().info().command().orElse("java");
      }
      String home =
          System.getenv().getOrDefault("BENCH_JDK25", "/usr/lib/jvm/temurin-25-jdk-amd64");
      return home + "/bin/java";
    }

    /** Whether this JDK is installed here (Temurin 25 may be absent: its rows are skipped). */
    public boolean available() {
      return this == DEFAULT || Files.isExecutable(Path.of(java()));
    }
  }

  /** Which class-data archive of the broker jar the set uses. */
  public enum Archive {
    NONE,
    /** {@code -XX:ArchiveClassesAtExit} once, then {@code -XX:SharedArchiveFile} (JDK 13+). */
    APPCDS,
    /** {@code -XX:AOTCacheOutput} in a training run, then {@code -XX:AOTCache} (JDK 25). */
    AOT
  }

  private static final String SMALL_HEAP =
      "-XX:+UseSerialGC -Xms16m -Xmx64m -XX:MaxMetaspaceSize=64m -Xss512k";
  private static final String TRIM = " -XX:TrimNativeHeapInterval=5000";
  private static final Map<String, String> ARENAS = Map.of("MALLOC_ARENA_MAX", "2");

  public static final JvmFlags JVM_DEFAULT = new JvmFlags("jvm-default", Jdk.DEFAULT, "");
  public static final JvmFlags SIDECAR_C1 =
      new JvmFlags("sidecar-c1", Jdk.DEFAULT, SMALL_HEAP + " -XX:TieredStopAtLevel=1");
  public static final JvmFlags SIDECAR =
      new JvmFlags("sidecar", Jdk.DEFAULT, SMALL_HEAP + " -XX:TieredStopAtLevel=1" + TRIM)
          .archive(Archive.APPCDS);
  public static final JvmFlags SIDECAR_C2 =
      new JvmFlags("sidecar-c2", Jdk.DEFAULT, SMALL_HEAP + TRIM);

  /**
   * The leanest C2 set found by hand (bench/README.md, "Where the memory goes"): smaller C2
   * compilations (inlining and node limits) and a capped code cache, so the compiler's arenas peak
   * lower; malloc arenas capped and chunks of 32 KiB and more mmap-ed (returned on free).
   */
  private static final String C2_LEAN =
      SMALL_HEAP
          + " -XX:InlineSmallCode=1000 -XX:MaxNodeLimit=30000 -XX:NodeLimitFudgeFactor=1000"
          + " -XX:ReservedCodeCacheSize=24m"
          + TRIM;

  private static final Map<String, String> MALLOC_LEAN =
      Map.of("MALLOC_ARENA_MAX", "2", "MALLOC_MMAP_THRESHOLD_", "32768");

  public static final JvmFlags SIDECAR_C2_LEAN =
      new JvmFlags("sidecar-c2-lean", Jdk.DEFAULT, C2_LEAN)
          .env(MALLOC_LEAN)
          .archive(Archive.APPCDS);

  public static final JvmFlags JVM_DEFAULT_25 = new JvmFlags("jvm-default-25", Jdk.TEMURIN_25, "");
  public static final JvmFlags SIDECAR_C1_25 =
      new JvmFlags(
              "sidecar-c1-25",
              Jdk.TEMURIN_25,
              SMALL_HEAP + " -XX:TieredStopAtLevel=1 -XX:+UseCompactObjectHeaders" + TRIM)
          .env(ARENAS)
          .archive(Archive.AOT);
  public static final JvmFlags SIDECAR_C2_25 =
      new JvmFlags(
              "sidecar-c2-25", Jdk.TEMURIN_25, SMALL_HEAP + " -XX:+UseCompactObjectHeaders" + TRIM)
          .env(ARENAS)
          .archive(Archive.AOT);

  /** The set recommended for the sidecar (bench/README.md says why). */
  public static final JvmFlags RECOMMENDED = SIDECAR;

  private static final List<JvmFlags> ALL =
      List.of(
          JVM_DEFAULT,
          SIDECAR_C1,
          SIDECAR,
          SIDECAR_C2,
          SIDECAR_C2_LEAN,
          JVM_DEFAULT_25,
          SIDECAR_C1_25,
          SIDECAR_C2_25);

  private static final Map<Jdk, Boolean> TRIM_SUPPORTED = new HashMap<>();

  private final String label;
  private final Jdk jdk;
  private final String flags;
  private final Map<String, String> env;
  private final Archive archive;

  private JvmFlags(String label, Jdk jdk, String flags, Map<String, String> env, Archive archive) {
    this.label = label;
    this.jdk = jdk;
    this.flags = flags;
    this.env = env;
    this.archive = archive;
  }

  JvmFlags(String label, Jdk jdk, String flags) {
    this(label, jdk, flags, Map.of(), Archive.NONE);
  }

  private JvmFlags env(Map<String, String> e) {
    return new JvmFlags(label, jdk, flags, e, archive);
  }

  private JvmFlags archive(Archive a) {
    return new JvmFlags(label, jdk, flags, env, a);
  }

  /**
   * A named set, or an ad-hoc one for exploring by hand: {@code custom[-25]:FLAG FLAG...} (e.g.
   * {@code BENCH_VARIANTS="custom:-XX:+UseSerialGC -Xmx32m"}), no archive, no environment.
   */
  public static JvmFlags byLabel(String label) {
    String l = label.trim();
    for (JvmFlags f : ALL) {
      if (f.label.equals(l.toLowerCase(Locale.ROOT))) {
        return f;
      }
    }
    if (l.startsWith("custom:") || l.startsWith("custom-25:")) {
      boolean j25 = l.startsWith("custom-25:");
      return new JvmFlags(
          j25 ? "custom-25" : "custom",
          j25 ? Jdk.TEMURIN_25 : Jdk.DEFAULT,
          l.substring(l.indexOf(':') + 1).trim());
    }
    throw new IllegalArgumentException(
        "unknown flag set "
            + label
            + " ("
            + ALL.stream().map(JvmFlags::label).collect(Collectors.joining(", "))
            + ", custom:FLAGS, custom-25:FLAGS)");
  }

  public static List<JvmFlags> all() {
    return ALL;
  }

  public String label() {
    return label;
  }

  public Jdk jdk() {
    return jdk;
  }

  public Archive archive() {
    return archive;
  }

  /** Whether the broker jar runs with a class-data archive (AppCDS or AOT cache). */
  public boolean appCds() {
    return archive != Archive.NONE;
  }

  /** Environment variables of the child (empty for most sets). */
  public Map<String, String> env() {
    return env;
  }

  /** The {@code java} binary of this set's JDK. */
  public String java() {
    return jdk.java();
  }

  /** Whether this set's JDK is installed here. */
  public boolean available() {
    return jdk.available();
  }

  /** The flags as passed to {@code java}, minus any this JVM does not support. */
  public synchronized List<String> args() {
    List<String> out = new ArrayList<>();
    for (String f : flags.split(" ")) {
      if (f.isEmpty()) {
        continue;
      }
      if (f.startsWith("-XX:TrimNativeHeapInterval") && !trimSupported(jdk)) {
        continue;
      }
      out.add(f);
    }
    return out;
  }

  /** What the set amounts to, for the notes: JDK, environment, flags, archive. */
  public String display() {
    StringBuilder sb = new StringBuilder();
    sb.append("JDK ").append(jdk.label()).append(": ");
    env.forEach((k, v) -> sb.append(k).append('=').append(v).append(' '));
    sb.append(args().isEmpty() ? "(no flags)" : String.join(" ", args()));
    switch (archive) {
      case APPCDS -> sb.append(" -XX:SharedArchiveFile=broker.jsa");
      case AOT -> sb.append(" -XX:AOTCache=broker.aot");
      default -> {}
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return label;
  }

  private static synchronized boolean trimSupported(Jdk jdk) {
    return TRIM_SUPPORTED.computeIfAbsent(
        jdk, j -> javaAccepts(j.java(), List.of("-XX:TrimNativeHeapInterval=5000")));
  }

  /**
   * What the flags amount to on this JVM: collector, initial and maximum heap (from {@code
   * -XX:+PrintFlagsFinal}).
   */
  public String heapSummary() {
    List<String> cmd = new ArrayList<>(List.of(java()));
    cmd.addAll(args());
    cmd.addAll(List.of("-XX:+PrintFlagsFinal", "-version"));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      p.waitFor(20, TimeUnit.SECONDS);
      String gc = "?";
      for (String name :
          List.of("UseSerialGC", "UseG1GC", "UseParallelGC", "UseZGC", "UseShenandoahGC")) {
        if (Pattern.compile("bool " + name + "\\s+= true").matcher(out).find()) {
          gc = name.substring(3, name.length() - 2);
        }
      }
      return gc
          + " "
          + mb(out, "InitialHeapSize")
          + "–"
          + mb(out, "MaxHeapSize")
          + " MB"
          + (args().contains("-XX:TieredStopAtLevel=1") ? ", C1 only" : ", C1+C2")
          + switch (archive) {
            case APPCDS -> ", AppCDS";
            case AOT -> ", AOT cache";
            default -> "";
          };
    } catch (IOException | InterruptedException e) {
      return "?";
    }
  }

  private static String mb(String flagsFinal, String name) {
    Matcher m = Pattern.compile("size_t " + name + "\\s+= (\\d+)").matcher(flagsFinal);
    return m.find() ? Long.toString(Long.parseLong(m.group(1)) / (1024 * 1024)) : "?";
  }

  static boolean javaAccepts(String java, List<String> flags) {
    List<String> cmd = new ArrayList<>(List.of(java));
    cmd.addAll(flags);
    cmd.add("-version");
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  /** The {@code java} running the harness, so children use the same JDK. */
  public static String javaBin() {
    return Jdk.DEFAULT.java();
  }

  /** {@code java -version}'s first line for each JDK here, for the report header. */
  public static Map<String, String> versions() {
    Map<String, String> out = new LinkedHashMap<>();
    for (Jdk j : Jdk.values()) {
      if (!j.available()) {
        out.put(j.label(), "absent");
        continue;
      }
      try {
        Process p = new ProcessBuilder(j.java(), "-version").redirectErrorStream(true).start();
        String v = new String(p.getInputStream().readAllBytes());
        p.waitFor(20, TimeUnit.SECONDS);
        out.put(j.label(), v.lines().skip(1).findFirst().orElse("?").trim());
      } catch (IOException | InterruptedException e) {
        out.put(j.label(), "?");
      }
    }
    return out;
  }
}
