package dev.tokenbroker.broker.config;

import dev.tokenbroker.common.config.ConfigException;
import dev.tokenbroker.common.config.ConfigReader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Fleet mode ({@code cluster}): brokers on the Vert.x clustered event bus (Hazelcast) share one IdP
 * fetch per key and refresh cycle. Off by default; when off no Hazelcast instance is created.
 *
 * <p>Join is either a TCP-IP member list ({@code members}) or Hazelcast's Kubernetes DNS discovery
 * ({@code kubernetes.serviceDns}), never both; multicast, auto-detection and phone-home are always
 * off. {@code secretFile} (at least 32 bytes) keys the AES-GCM encryption of everything shared and
 * the cluster name. {@code tls} turns on mutual TLS on the clustered event bus.
 */
public final class ClusterOptions {

  public static final boolean DEFAULT_ENABLED = false;
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 5701;
  public static final int DEFAULT_EVENT_BUS_PORT = 0;

  /** The shortest secret accepted, in bytes (after stripping surrounding white space). */
  public static final int MIN_SECRET_BYTES = 32;

  private static final Pattern IP_LITERAL =
      Pattern.compile("^(\\d{1,3}(\\.\\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$");
  private static final Pattern MEMBER = Pattern.compile("^[A-Za-z0-9.\\-\\[\\]:]+(:\\d{1,5})?$");

  private final boolean enabled;
  private final String host;
  private final int port;
  private final int eventBusPort;
  private final List<String> members;
  private final String serviceDns;
  private final Path secretFile;
  private final Path certFile;
  private final Path keyFile;
  private final Path trustFile;

  /** The defaults: disabled. */
  public ClusterOptions() {
    this(new ConfigReader("cluster", new JsonObject()));
  }

  public ClusterOptions(ConfigReader r) {
    r.rejectUnknown(
        Set.of(
            "enabled",
            "host",
            "port",
            "eventBusPort",
            "members",
            "kubernetes",
            "secretFile",
            "tls"));
    this.enabled = r.bool("enabled", DEFAULT_ENABLED);
    this.host = r.string("host", DEFAULT_HOST).trim();
    if (!IP_LITERAL.matcher(host).matches()) {
      throw new ConfigException(
          r.path("host"), "must be an IP address (the interface Hazelcast binds to), was " + host);
    }
    this.port = (int) r.integer("port", DEFAULT_PORT, 1, 65535);
    this.eventBusPort = (int) r.integer("eventBusPort", DEFAULT_EVENT_BUS_PORT, 0, 65535);
    if (eventBusPort != 0 && eventBusPort == port) {
      throw new ConfigException(r.path("eventBusPort"), "must differ from cluster.port");
    }
    this.members = List.copyOf(r.strings("members"));
    for (int i = 0; i < members.size(); i++) {
      if (!MEMBER.matcher(members.get(i)).matches()) {
        throw new ConfigException(
            r.path("members") + "[" + i + "]", "must be host or host:port, was " + members.get(i));
      }
    }
    ConfigReader k8s = r.object("kubernetes");
    k8s.rejectUnknown(Set.of("serviceDns"));
    String dns = k8s.string("serviceDns", null);
    this.serviceDns = dns == null || dns.isBlank() ? null : dns.trim();
    if (serviceDns != null && !members.isEmpty()) {
      throw new ConfigException(
          r.path("kubernetes"), "give either cluster.members or cluster.kubernetes, not both");
    }
    String secret = r.string("secretFile", null);
    this.secretFile = secret == null || secret.isBlank() ? null : Path.of(secret.trim());
    if (r.has("tls")) {
      ConfigReader tls = r.object("tls");
      tls.rejectUnknown(Set.of("certFile", "keyFile", "trustFile"));
      this.certFile = Path.of(tls.requiredString("certFile"));
      this.keyFile = Path.of(tls.requiredString("keyFile"));
      this.trustFile = Path.of(tls.requiredString("trustFile"));
    } else {
      this.certFile = null;
      this.keyFile = null;
      this.trustFile = null;
    }
    if (enabled) {
      if (secretFile == null) {
        throw new ConfigException(
            r.path("secretFile"), "required when cluster.enabled (at least 32 bytes of secret)");
      }
      if (members.isEmpty() && serviceDns == null) {
        throw new ConfigException(
            r.path("members"),
            "required when cluster.enabled (or cluster.kubernetes.serviceDns for discovery)");
      }
    }
  }

  public boolean enabled() {
    return enabled;
  }

  /** The address Hazelcast and the clustered event bus bind to and advertise. */
  public String host() {
    return host;
  }

  /** Hazelcast's member port (no auto-increment). */
  public int port() {
    return port;
  }

  /** The clustered event bus's port; 0 picks a free one. */
  public int eventBusPort() {
    return eventBusPort;
  }

  /** TCP-IP join: {@code host[:port]} of the members; empty with Kubernetes discovery. */
  public List<String> members() {
    return members;
  }

  /** Kubernetes DNS discovery: the headless Service's name, or null with a member list. */
  public String serviceDns() {
    return serviceDns;
  }

  public Path secretFile() {
    return secretFile;
  }

  /** Whether the clustered event bus uses mutual TLS ({@code tls}). */
  public boolean tls() {
    return certFile != null;
  }

  public Path certFile() {
    return certFile;
  }

  public Path keyFile() {
    return keyFile;
  }

  public Path trustFile() {
    return trustFile;
  }

  public JsonObject toJson() {
    JsonObject json =
        new JsonObject()
            .put("enabled", enabled)
            .put("host", host)
            .put("port", port)
            .put("eventBusPort", eventBusPort)
            .put("members", new JsonArray(members))
            .put(
                "kubernetes",
                serviceDns == null ? null : new JsonObject().put("serviceDns", serviceDns))
            .put("secretFile", secretFile == null ? null : secretFile.toString());
    if (tls()) {
      json.put(
          "tls",
          new JsonObject()
              .put("certFile", certFile.toString())
              .put("keyFile", keyFile.toString())
              .put("trustFile", trustFile.toString()));
    }
    return json;
  }

  @Override
  public String toString() {
    return toJson().encode();
  }
}
