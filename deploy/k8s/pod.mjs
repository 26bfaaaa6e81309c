// Helpers shared by the pod checks (check.mjs) and the fleet checks (fleet.mjs): the broker
// container, the broker configuration it mounts, quantities, ports and mounts.
import path from "node:path";
import YAML from "yaml";

export const BROKER = "token-broker";
// bench/README.md, flags "sidecar": VmHWM 93.5 MB with 1,001 keys after token-GET and
// event-bus load (VmRSS max 84.8-85.9 MB under token GETs alone).
export const MEASURED_PEAK_RSS_MIB = 94;
export function parseFlags(cmd) {
  const size = (v) => { const m = /^(\d+)([kmg])?$/i.exec(v); return m ? Number(m[1]) * ({ k: 1 / 1024, m: 1, g: 1024 }[m[2]?.toLowerCase()] ?? 1 / 1048576) : NaN; };
  const get = (re) => { const a = cmd.find((x) => re.test(x)); return a ? size(a.replace(re, "")) : NaN; };
  return { xmx: get(/^-Xmx/), metaspace: get(/^-XX:MaxMetaspaceSize=/) };
}
export function mebibytes(q) {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G)?$/.exec(String(q));
  if (!m) return NaN;
  const f = { Ki: 1 / 1024, Mi: 1, Gi: 1024, k: 1000 / 1048576, M: 1e6 / 1048576, G: 1e9 / 1048576 }[m[2]] ?? 1 / 1048576;
  return Number(m[1]) * f;
}
export function portNumber(container, port) {
  if (typeof port === "number") return port;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}
export function mountedDir(container, podSpec, file) {
  // the volume mount whose mountPath holds `file`
  const m = (container.volumeMounts ?? []).filter((v) => file.startsWith(v.mountPath.replace(/\/?$/, "/")))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  if (!m) return null;
  return { mount: m, volume: podSpec.volumes?.find((v) => v.name === m.name) };
}


// The broker's configuration as the pod sees it: the `--config` file, read from the ConfigMap
// volume that holds it. cfg is {} when it cannot be found (cm is then undefined).
export function brokerConfig(objs, podSpec, broker) {
  const cfgPath = broker.args?.[broker.args.indexOf("--config") + 1] ?? "/etc/token-broker/broker.yaml";
  const cfgMount = mountedDir(broker, podSpec, cfgPath);
  const cmName = cfgMount?.volume?.configMap?.name;
  const cm = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name === cmName);
  const key = cfgMount?.mount.subPath ?? path.relative(cfgMount?.mount.mountPath ?? "/", cfgPath);
  const cfg = cm?.data?.[key] ? YAML.parse(cm.data[key]) : {};
  return { cfgPath, cm, key, cfg };
}

// The Deployment, its pod spec and the broker container (undefined when missing).
export function brokerPod(objs) {
  const dep = objs.find((o) => o.kind === "Deployment");
  const spec = dep?.spec?.template?.spec;
  const broker = spec?.initContainers?.find((c) => c.name === BROKER);
  return { dep, spec, broker };
}

// The broker's own ${VAR} / ${VAR:-default} interpolation (common EnvInterpolation), with the
// variables the container's env defines: a literal value, the downward API's namespace and pod
// name, or a stand-in for fields only known at run time (status.podIP -> "<status.podIP>").
// Returns {value, unset: [names without a value or default]}.
export function interpolate(text, container, namespace) {
  const unset = [];
  const value = String(text).replace(/\$(\$)?\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (all, esc, name, def) => {
    if (esc) return all.slice(1);
    const e = (container.env ?? []).find((x) => x.name === name);
    let v;
    if (e?.value !== undefined) v = e.value;
    else if (e?.valueFrom?.fieldRef) {
      const f = e.valueFrom.fieldRef.fieldPath;
      v = f === "metadata.namespace" ? namespace ?? "" : `<${f}>`;
    } else if (e?.valueFrom) v = `<${Object.keys(e.valueFrom)[0]}>`;
    if ((v === undefined || v === "") && def !== undefined) return def;
    if (v === undefined) { unset.push(name); return all; }
    return v;
  });
  return { value, unset };
}

// Every string in a configuration tree, with its dotted path.
export function strings(node, at = "") {
  if (typeof node === "string") return [[at, node]];
  if (node && typeof node === "object") {
    return Object.entries(node).flatMap(([k, v]) => strings(v, at ? `${at}.${k}` : k));
  }
  return [];
}

// Mount paths as the container sees them: in the image (Debian) /var/run is a symlink to /run.
export function realMountPath(p) {
  const n = p.replace(/\/+$/, "");
  return n === "/var/run" || n.startsWith("/var/run/") ? n.slice(4) : n;
}
