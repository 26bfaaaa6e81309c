package dev.tokenbroker.bench.report;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Everything a run found: the tables in order, the targets, and what they ran on. */
public final class Report {

  /** One of the targets and whether this run met it. */
  public record Target(String name, String goal, String measured, Boolean met) {

    String verdict() {
      return met == null ? "n/a" : met ? "MET" : "MISSED";
    }

    JsonObject toJson() {
      return new JsonObject()
          .put("name", name)
          .put("goal", goal)
          .put("measured", measured)
          .put("met", met);
    }
  }

  private final JsonObject machine;
  private final JsonObject settings;
  private final List<Table> tables = new ArrayList<>();
  private final List<Target> targets = new ArrayList<>();
  private final List<String> errors = new ArrayList<>();

  public Report(JsonObject machine, JsonObject settings) {
    this.machine = machine;
    this.settings = settings;
  }

  public synchronized void add(Table table) {
    tables.add(table);
  }

  public synchronized void target(String name, String goal, String measured, Boolean met) {
    targets.add(new Target(name, goal, measured, met));
  }

  public synchronized void error(String section, Throwable t) {
    errors.add(section + ": " + t);
  }

  public synchronized boolean hasErrors() {
    return !errors.isEmpty();
  }

  /** The full fixed-width report. */
  public synchronized String render(double wallSeconds) {
    StringBuilder sb = new StringBuilder();
    sb.append("token-broker benchmarks — ")
        .append(machine.getString("nproc"))
        .append(" CPUs, ")
        .append(machine.getString("memory"))
        .append(", ")
        .append(machine.getString("java"))
        .append('\n');
    sb.append("settings: ").append(settings.encode()).append("\n\n");
    for (Table t : tables) {
      sb.append(t.render()).append('\n');
    }
    Table summary = new Table("Targets", "target", "goal", "measured", "verdict");
    for (Target t : targets) {
      summary.row(t.toJson(), t.name(), t.goal(), t.measured(), t.verdict());
    }
    sb.append(summary.render());
    for (String e : errors) {
      sb.append("ERROR ").append(e).append('\n');
    }
    sb.append(String.format("%nwall time %.0f s%n", wallSeconds));
    return sb.toString();
  }

  public synchronized void write(Path file, double wallSeconds) throws IOException {
    JsonArray t = new JsonArray();
    tables.forEach(x -> t.add(x.toJson()));
    JsonArray g = new JsonArray();
    targets.forEach(x -> g.add(x.toJson()));
    JsonObject json =
        new JsonObject()
            .put("machine", machine)
            .put("settings", settings)
            .put("wall_seconds", Math.round(wallSeconds))
            .put("tables", t)
            .put("targets", g)
            .put("errors", new JsonArray(errors));
    Files.createDirectories(file.getParent());
    Files.writeString(file, json.encodePrettily() + "\n");
  }
}
