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
  private final List<Target> checks = new ArrayList<>();
  private final List<String> errors = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();

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

  /** A check kept from earlier work (IdP calls, big start-ups): listed after the targets. */
  public synchronized void check(String name, String goal, String measured, Boolean met) {
    checks.add(new Target(name, goal, measured, met));
  }

  /** A line printed after the tables (e.g. rows skipped because a JDK is not installed). */
  public synchronized void note(String text) {
    notes.add(text);
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
    JsonObject jdks = machine.getJsonObject("jdks");
    if (jdks != null) {
      jdks.forEach(
          e -> sb.append("JDK ").append(e.getKey()).append(": ").append(e.getValue()).append('\n'));
    }
    sb.append("settings: ").append(settings.encode()).append("\n\n");
    for (Table t : tables) {
      sb.append(t.render()).append('\n');
    }
    for (String n : notes) {
      sb.append("NOTE ").append(n).append('\n');
    }
    if (!notes.isEmpty()) {
      sb.append('\n');
    }
    Table summary = new Table("Targets (issue 12)", "target", "goal", "measured", "verdict");
    for (Target t : targets) {
      summary.row(t.toJson(), t.name(), t.goal(), t.measured(), t.verdict());
    }
    sb.append(summary.render());
    if (!checks.isEmpty()) {
      Table other = new Table("Other checks", "check", "goal", "measured", "verdict");
      for (Target t : checks) {
        other.row(t.toJson(), t.name(), t.goal(), t.measured(), t.verdict());
      }
      sb.append('\n').append(other.render());
    }
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
    JsonArray c = new JsonArray();
    checks.forEach(x -> c.add(x.toJson()));
    JsonObject json =
        new JsonObject()
            .put("machine", machine)
            .put("settings", settings)
            .put("wall_seconds", Math.round(wallSeconds))
            .put("tables", t)
            .put("targets", g)
            .put("checks", c)
            .put("notes", new JsonArray(notes))
            .put("errors", new JsonArray(errors));
    Files.createDirectories(file.getParent());
    Files.writeString(file, json.encodePrettily() + "\n");
  }
}
