package dev.tokenbroker.bench.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** Medians, and the formatting of the numbers in the tables. */
public final class Stats {

  private Stats() {}

  /** The median (mean of the middle two for an even count); NaN when empty. */
  public static double median(List<Double> values) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  public static <T> double median(List<T> items, ToDoubleFunction<T> f) {
    return median(items.stream().map(f::applyAsDouble).toList());
  }

  /** Median of {@code a[i] / b[i]}: each round's candidate against the baseline run next to it. */
  public static <T> double medianRatio(List<T> a, List<T> b, ToDoubleFunction<T> f) {
    List<Double> r = new ArrayList<>();
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      r.add(f.applyAsDouble(a.get(i)) / f.applyAsDouble(b.get(i)));
    }
    return median(r);
  }

  public static String rps(double v) {
    return Double.isNaN(v) ? "-" : String.format("%,d", Math.round(v));
  }

  public static String ms(double v) {
    return Double.isNaN(v) ? "-" : v >= 100 ? String.format("%.0f", v) : String.format("%.2f", v);
  }

  public static String ratio(double v) {
    return Double.isNaN(v) || Double.isInfinite(v) ? "-" : String.format("%.2f", v);
  }

  /** A ratio with three decimals, for target verdicts near the limit. */
  public static String ratio3(double v) {
    return Double.isNaN(v) || Double.isInfinite(v) ? "-" : String.format("%.3f", v);
  }

  public static String mb(double v) {
    return Double.isNaN(v) || v < 0 ? "-" : String.format("%.1f", v);
  }

  /** Rounded for JSON (three decimals). */
  public static double round(double v) {
    return Double.isNaN(v) || Double.isInfinite(v) ? -1 : Math.round(v * 1000) / 1000.0;
  }
}
