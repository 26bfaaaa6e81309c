package dev.tokenbroker.bench.process;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JVM flag sets the benchmarks compare. Every server in one comparison runs with the same set.
 *
 * <ul>
 *   <li>{@code sidecar-c1}: small serial heap, C1 only — the smallest footprint;
 *   <li>{@code sidecar}: the recommendation — {@code sidecar-c1} plus the periodic C-heap trim (see
 *       below) and an application class-data archive of the broker jar ({@code
 *       -XX:SharedArchiveFile}, made by {@link Launcher#createCdsArchive}) for start-up;
 *   <li>{@code sidecar-c2}: the same heap with the full tiered compiler, plus a periodic trim of
 *       the C heap that the C2 compiler leaves fragmented ({@code TrimNativeHeapInterval}, JDK
 *       17.0.9+; dropped with a note when the running JVM does not know it);
 *   <li>{@code jvm-default}: no flags (ergonomics: G1 and a quarter of RAM on this machine).
 * </ul>
 */
public enum JvmFlags {
  SIDECAR_C1(
      "sidecar-c1",
      "-XX:+UseSerialGC -Xms16m -Xmx64m -XX:MaxMetaspaceSize=64m -Xss512k -XX:TieredStopAtLevel=1",
      false),
  SIDECAR(
      "sidecar",
      "-XX:+UseSerialGC -Xms16m -Xmx64m -XX:MaxMetaspaceSize=64m -Xss512k -XX:TieredStopAtLevel=1"
          + " -XX:TrimNativeHeapInterval=5000",
      true),
  SIDECAR_C2(
      "sidecar-c2",
      "-XX:+UseSerialGC -Xms16m -Xmx64m -XX:MaxMetaspaceSize=64m -Xss512k"
          + " -XX:TrimNativeHeapInterval=5000",
      false),
  JVM_DEFAULT("jvm-default", "", false);

  private static Boolean trimSupported;

  private final String label;
  private final String flags;
  private final boolean appCds;

  JvmFlags(String label, String flags, boolean appCds) {
    this.label = label;
    this.flags = flags;
    this.appCds = appCds;
  }

  /** Whether the broker jar runs with the application class-data archive. */
  public boolean appCds() {
    return appCds;
  }

  public String label() {
    return label;
  }

  /** The flags as passed to {@code java}, minus any this JVM does not support. */
  public synchronized List<String> args() {
    List<String> out = new ArrayList<>();
    for (String f : flags.split(" ")) {
      if (f.isEmpty()) {
        continue;
      }
      if (f.startsWith("-XX:TrimNativeHeapInterval") && !trimSupported()) {
        continue;
      }
      out.add(f);
    }
    return out;
  }

  public String display() {
    String base = args().isEmpty() ? "(none)" : String.join(" ", args());
    return appCds ? base + " -XX:SharedArchiveFile=broker.jsa" : base;
  }

  public static JvmFlags byLabel(String label) {
    for (JvmFlags f : values()) {
      if (f.label.equals(label.toLowerCase(Locale.ROOT))) {
        return f;
      }
    }
    throw new IllegalArgumentException(
        "unknown flag set " + label + " (sidecar-c1, sidecar, sidecar-c2, jvm-default)");
  }

  private static synchronized boolean trimSupported() {
    if (trimSupported == null) {
      trimSupported = javaAccepts(List.of("-XX:TrimNativeHeapInterval=5000"));
    }
    return trimSupported;
  }

  /**
   * What the flags amount to on this JVM: collector, initial and maximum heap (from {@code
   * -XX:+PrintFlagsFinal}).
   */
  public String heapSummary() {
    List<String> cmd = new ArrayList<>(List.of(javaBin()));
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
          + " heap "
          + mb(out, "InitialHeapSize")
          + "–"
          + mb(out, "MaxHeapSize")
          + " MB"
          + (args().contains("-XX:TieredStopAtLevel=1") ? ", C1 only" : ", C1+C2")
          + (appCds ? ", AppCDS" : "");
    } catch (IOException | InterruptedException e) {
      return "?";
    }
  }

  private static String mb(String flagsFinal, String name) {
    Matcher m = Pattern.compile("size_t " + name + "\\s+= (\\d+)").matcher(flagsFinal);
    return m.find() ? Long.toString(Long.parseLong(m.group(1)) / (1024 * 1024)) : "?";
  }

  static boolean javaAccepts(List<String> flags) {
    List<String> cmd = new ArrayList<>(List.of(javaBin()));
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
    return ProcessHandle.current().info().command().orElse("java");
  }
}
