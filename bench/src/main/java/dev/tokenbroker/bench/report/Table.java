package dev.tokenbroker.bench.report;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A titled fixed-width table: the first column left-aligned, the others right-aligned, widths from
 * the content. Each row also carries the raw numbers for the JSON report.
 */
public final class Table {

  private final String title;
  private final List<String> headers;
  private final List<List<String>> rows = new ArrayList<>();
  private final JsonArray json = new JsonArray();
  private final List<String> notes = new ArrayList<>();

  public Table(String title, String... headers) {
    this.title = title;
    this.headers = Arrays.asList(headers);
  }

  /** Adds a printed row (one cell per header) and its JSON form. */
  public Table row(JsonObject raw, String... cells) {
    if (cells.length != headers.size()) {
      throw new IllegalArgumentException(
          cells.length + " cells for " + headers.size() + " columns");
    }
    rows.add(Arrays.asList(cells));
    json.add(raw);
    return this;
  }

  /** A line printed under the table. */
  public Table note(String text) {
    notes.add(text);
    return this;
  }

  public String title() {
    return title;
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("title", title)
        .put("rows", json)
        .put("notes", new JsonArray(notes));
  }

  public String render() {
    int[] w = new int[headers.size()];
    for (int c = 0; c < w.length; c++) {
      w[c] = headers.get(c).length();
      for (List<String> r : rows) {
        w[c] = Math.max(w[c], r.get(c).length());
      }
    }
    StringBuilder sb = new StringBuilder();
    sb.append(title).append('\n');
    line(sb, headers, w);
    int total = Arrays.stream(w).sum() + 2 * (w.length - 1);
    sb.append("-".repeat(total)).append('\n');
    for (List<String> r : rows) {
      line(sb, r, w);
    }
    for (String n : notes) {
      sb.append("  ").append(n).append('\n');
    }
    return sb.toString();
  }

  private static void line(StringBuilder sb, List<String> cells, int[] w) {
    StringBuilder l = new StringBuilder();
    for (int c = 0; c < w.length; c++) {
      if (c > 0) {
        l.append("  ");
      }
      String v = cells.get(c);
      String pad = " ".repeat(w[c] - v.length());
      l.append(c == 0 ? v + pad : pad + v);
    }
    sb.append(l.toString().stripTrailing()).append('\n');
  }
}
