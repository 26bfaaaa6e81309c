package dev.tokenbroker.bench.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Resident memory of a process: {@code VmRSS} and {@code VmHWM} (peak), in kB; -1 if unknown. */
public record Memory(long rssKb, long peakRssKb) {

  private static final Pattern NUMBER = Pattern.compile("(\\d+)");

  /** From {@code /proc/PID/status}. */
  public static Memory of(long pid) {
    try {
      long rss = -1;
      long hwm = -1;
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          rss = kb(line);
        } else if (line.startsWith("VmHWM:")) {
          hwm = kb(line);
        }
      }
      return new Memory(rss, hwm);
    } catch (IOException e) {
      return new Memory(-1, -1);
    }
  }

  /** User + system CPU time of a process so far, in seconds (from {@code /proc/PID/stat}). */
  public static double cpuSeconds(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // fields 14 and 15 of stat; f[0] is field 3
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  private static long kb(String line) {
    Matcher m = NUMBER.matcher(line);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  public double rssMb() {
    return rssKb / 1024.0;
  }

  public double peakRssMb() {
    return peakRssKb / 1024.0;
  }
}
