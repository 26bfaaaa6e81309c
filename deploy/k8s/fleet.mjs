// Checks of a fleet-mode pod (overlays/fleet, README "Deploy on Kubernetes", fleet overlay):
// the brokers of every replica form one cluster, so the rendered objects must let them find and
// reach each other, and nobody else. Each check names the mistake it catches; check.mjs runs
// them on the rendered overlay and on broken copies of it (its self-test).
import { isDeepStrictEqual } from "node:util";
import path from "node:path";
import {
  brokerConfig, brokerPod, interpolate, mebibytes, mountedDir, parseFlags, portNumber,
} from "./pod.mjs";

// ESTIMATE, not a measurement: the peak resident set of a broker with an embedded Hazelcast
// member (the sidecar's measured 94 MB, bench/README.md, plus Hazelcast's heap, classes and
// threads; deploy/k8s/overlays/fleet/deployment-patch.yaml). Replace it with the measured
// figure once the fleet footprint has been measured.
export const FLEET_ESTIMATED_PEAK_RSS_MIB = 240;
const APP_LABEL = "app.kubernetes.io/name";

const selects = (matchLabels, labels) => Object.keys(matchLabels ?? {}).length > 0
  && Object.entries(matchLabels).every(([k, v]) => labels[k] === v);

// The TCP ports a NetworkPolicy rule opens on the broker's pod: null = every port.
function rulePorts(rule, containers) {
  if (!rule.ports?.length) return null;
  return rule.ports.filter((p) => (p.protocol ?? "TCP") === "TCP").flatMap((p) => {
    if (p.port === undefined) return [null];
    const n = typeof p.port === "number" ? p.port
      : containers.map((c) => portNumber(c, p.port)).find((x) => x !== undefined);
    if (n === undefined) return [];
    const to = p.endPort ?? n;
    return Array.from({ length: Math.max(0, to - n + 1) }, (_, i) => n + i);
  });
}
const opens = (ports, n) => ports === null || ports.includes(null) || ports.includes(n);

// The `kubectl create secret generic NAME --from-file=KEY=...` lines of a document.
function secretCommands(text) {
  const re = /kubectl\s+(?:-n\s+(\S+)\s+)?create\s+secret\s+generic\s+(\S+)((?:\s+--from-file=\S+)+)/g;
  return [...text.matchAll(re)].map((m) => ({
    namespace: m[1], name: m[2],
    keys: [...m[3].matchAll(/--from-file=([^=\s]+)=/g)].map((k) => k[1]),
  }));
}

// objs: the rendered objects; baseCfg: base/broker.yaml parsed; baseBroker: the base's broker
// container; docs: [{file, text}] where the user is told how to create the cluster secret.
export function fleetProblems(objs, { baseCfg, baseBroker, docs }) {
  const problems = [];
  const p = (cond, msg) => { if (!cond) problems.push(msg); };
  const { dep, spec, broker } = brokerPod(objs);
  if (!broker) return ["no broker container"];
  const ns = dep.metadata.namespace ?? "";
  const podLabels = dep.spec.template.metadata?.labels ?? {};
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  const { cfg } = brokerConfig(objs, spec, broker);
  const c = cfg.cluster ?? {};
  const env = (name) => (broker.env ?? []).find((e) => e.name === name);

  // --- the broker's cluster config ---
  p(c.enabled === true, `cluster.enabled is ${JSON.stringify(c.enabled)} in the rendered broker config, not true`);
  if (baseCfg) {
    const rest = { ...cfg };
    delete rest.cluster;
    p(isDeepStrictEqual(rest, baseCfg), "the fleet broker.yaml differs from base/broker.yaml outside the cluster block (copy the base's change)");
  }
  p(!(c.members && c.kubernetes), "cluster.members and cluster.kubernetes are both set (mutually exclusive)");

  // --- cluster.host: the pod IP from the downward API ---
  p(c.host === "${POD_IP}", `cluster.host is ${JSON.stringify(c.host)}, not \${POD_IP}`);
  const podIp = env("POD_IP");
  p(podIp?.value === undefined && podIp?.valueFrom?.fieldRef?.fieldPath === "status.podIP",
    "POD_IP is not set from the downward API (env POD_IP valueFrom.fieldRef.fieldPath: status.podIP)");

  // --- fixed, named cluster ports ---
  const clusterPorts = [["cluster.port", c.port ?? 5701], ["cluster.eventBusPort", c.eventBusPort ?? 0]];
  for (const [what, port] of clusterPorts) {
    p(Number.isInteger(port) && port > 0,
      `${what} is ${port}: it must be a fixed port (0 is random; the Service and NetworkPolicy name it)`);
    p((broker.ports ?? []).some((x) => x.containerPort === port && x.name && (x.protocol ?? "TCP") === "TCP"),
      `the broker container has no named TCP container port ${port} (${what})`);
  }

  // --- discovery: the headless Service that cluster.kubernetes.serviceDns names ---
  const dns = c.kubernetes?.serviceDns;
  p(dns, "cluster.kubernetes.serviceDns is not set (Kubernetes DNS discovery)");
  const resolved = dns ? interpolate(dns, broker, ns).value : "";
  const m = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local\.?$/.exec(resolved);
  p(!dns || m, `cluster.kubernetes.serviceDns resolves to ${resolved}, not <service>.<namespace>.svc.cluster.local`);
  const svc = m && objs.find((o) => o.kind === "Service" && o.metadata.name === m[1]);
  p(!m || svc, `no Service ${m?.[1]} is rendered (cluster.kubernetes.serviceDns ${dns})`);
  if (svc) {
    const where = `Service ${svc.metadata.name}`;
    const sns = svc.metadata.namespace ?? "";
    p(sns === m[2] && sns === ns,
      `${where} is in namespace "${sns}", serviceDns names "${m[2]}", the pods are in "${ns}": they must be one`);
    p(svc.spec?.clusterIP === "None", `${where} is not headless (clusterIP: None): DNS would give one virtual IP, not the pods`);
    p(svc.spec?.publishNotReadyAddresses === true,
      `${where} lacks publishNotReadyAddresses: true (a starting pod, not yet ready, would find no one to join)`);
    p(selects(svc.spec?.selector, podLabels), `${where}'s selector ${JSON.stringify(svc.spec?.selector)} does not select the pods`);
    for (const [what, port] of clusterPorts) {
      const sp = (svc.spec?.ports ?? []).find((x) => portNumber(broker, x.targetPort ?? x.port) === port);
      p(sp && sp.port === port, `${where} does not expose the broker's ${what} ${port} (port ${port}, targetPort the container port)`);
    }
  }

  // --- the NetworkPolicy: cluster ports only from the app's own pods ---
  const policies = objs.filter((o) => o.kind === "NetworkPolicy" && (o.metadata.namespace ?? "") === ns
    && (Object.keys(o.spec?.podSelector?.matchLabels ?? {}).length === 0
      ? !(o.spec?.podSelector?.matchExpressions?.length)
      : selects(o.spec.podSelector.matchLabels, podLabels)));
  const ingressPolicies = policies.filter((o) => (o.spec.policyTypes ?? ["Ingress"]).includes("Ingress"));
  p(ingressPolicies.length, "no NetworkPolicy with policyTypes Ingress selects the pods: the cluster ports are open to every pod");
  const appPeer = (peer) => peer.podSelector && !peer.namespaceSelector && !peer.ipBlock
    && !(peer.podSelector.matchExpressions?.length)
    && peer.podSelector.matchLabels?.[APP_LABEL] === podLabels[APP_LABEL] && selects(peer.podSelector.matchLabels, podLabels);
  for (const np of ingressPolicies) {
    for (const [i, rule] of (np.spec.ingress ?? []).entries()) {
      const ports = rulePorts(rule, containers);
      for (const [what, port] of clusterPorts) {
        if (!opens(ports, port)) continue;
        const where = `NetworkPolicy ${np.metadata.name} ingress[${i}]`;
        p(rule.from?.length, `${where} opens ${what} ${port} to every source`);
        for (const peer of rule.from ?? []) {
          p(appPeer(peer), `${where} opens ${what} ${port} to ${JSON.stringify(peer)}, not only to pods with ${APP_LABEL}: ${podLabels[APP_LABEL]} in this namespace`);
        }
      }
    }
  }
  for (const [what, port] of clusterPorts) {
    p(ingressPolicies.some((np) => (np.spec.ingress ?? []).some((r) => r.from?.some(appPeer) && opens(rulePorts(r, containers), port))),
      `no NetworkPolicy rule lets the app's pods reach ${what} ${port}: the brokers could not form a cluster`);
  }
  // ...and the policy must not cut off what the pod served before it
  if (ingressPolicies.length) {
    const open = (port) => ingressPolicies.some((np) => (np.spec.ingress ?? []).some((r) => !r.from?.length && opens(rulePorts(r, containers), port)));
    for (const s of objs.filter((o) => o.kind === "Service" && o !== svc && selects(o.spec?.selector, podLabels))) {
      for (const sp of s.spec.ports ?? []) {
        const port = containers.map((x) => portNumber(x, sp.targetPort ?? sp.port)).find((x) => x !== undefined);
        p(open(port), `the NetworkPolicy shuts out port ${port} of Service ${s.metadata.name}`);
      }
    }
    const mgmt = cfg.management?.port ?? 4007;
    p(open(mgmt), `the NetworkPolicy shuts out the management port ${mgmt} (Prometheus scrapes it on the pod IP)`);
  }

  // --- the cluster secret: a Secret volume, whole folder, only in the broker ---
  const sf = c.secretFile;
  p(sf, "cluster.secretFile is not set (required in fleet mode)");
  // the mount holding the file: its folder, or the file itself (a subPath mount)
  const fileMount = (broker.volumeMounts ?? []).find((x) => sf && x.mountPath === sf);
  const sec = fileMount ? { mount: fileMount, volume: spec.volumes?.find((v) => v.name === fileMount.name) }
    : sf ? mountedDir(broker, spec, sf) : null;
  p(!sf || sec?.volume?.secret, `cluster.secretFile ${sf} is not in a Secret volume of the broker container`);
  if (sec?.volume?.secret) {
    p(!sec.mount.subPath && !sec.mount.subPathExpr,
      `the cluster secret volume ${sec.mount.name} is mounted with subPath (Kubernetes swaps ..data on update; a subPath mount never sees it)`);
    const rel = fileMount ? sec.mount.subPath ?? "" : path.relative(sec.mount.mountPath, sf);
    const items = sec.volume.secret.items;
    p(!items || items.some((it) => it.path === rel), `the Secret volume ${sec.mount.name} puts no item at ${rel} (cluster.secretFile ${sf})`);
    for (const app of spec.containers ?? []) {
      p(!(app.volumeMounts ?? []).some((x) => x.name === sec.mount.name), `the app container ${app.name} mounts the cluster secret`);
    }
    // the documented command creates exactly this Secret, key and namespace, with >= 32 bytes
    const key = items?.find((it) => it.path === rel)?.key ?? rel;
    const name = sec.volume.secret.secretName;
    for (const d of docs ?? []) {
      const cmds = secretCommands(d.text).filter((x) => x.name === name);
      p(cmds.length, `${d.file} does not show how to create the Secret ${name} (kubectl create secret generic)`);
      for (const x of cmds) {
        p(x.keys.includes(key), `${d.file}: the command for Secret ${name} creates key ${x.keys.join(",")}, the volume reads ${key}`);
        p(!x.namespace || x.namespace === ns, `${d.file}: the command for Secret ${name} uses namespace ${x.namespace}, the pods are in ${ns}`);
      }
      const bytes = [...d.text.matchAll(/head -c (\d+) \/dev\/urandom/g)].map((x) => Number(x[1]));
      p(bytes.length && bytes.every((b) => b >= 32), `${d.file} does not generate the cluster secret from at least 32 random bytes (head -c 32 /dev/urandom)`);
    }
  }
  p(!objs.some((o) => o.kind === "Secret" && (o.data || o.stringData)),
    "a Secret with values is rendered: secrets are created by the user, never committed");

  // --- more memory for Hazelcast than the plain sidecar ---
  const r = broker.resources ?? {};
  const rb = baseBroker?.resources ?? {};
  const fb = parseFlags([...(baseBroker?.command ?? []), ...(baseBroker?.args ?? [])]);
  const ff = parseFlags([...(broker.command ?? []), ...(broker.args ?? [])]);
  p(mebibytes(r.requests?.memory) > mebibytes(rb.requests?.memory) && mebibytes(r.limits?.memory) > mebibytes(rb.limits?.memory),
    `broker memory ${r.requests?.memory}/${r.limits?.memory} is not raised above the plain sidecar's ${rb.requests?.memory}/${rb.limits?.memory} for Hazelcast`);
  p(ff.xmx > fb.xmx && ff.metaspace > fb.metaspace, `broker -Xmx/-XX:MaxMetaspaceSize ${ff.xmx}/${ff.metaspace} MiB not raised above the plain sidecar's ${fb.xmx}/${fb.metaspace} for Hazelcast`);
  p(mebibytes(r.requests?.memory) >= FLEET_ESTIMATED_PEAK_RSS_MIB && mebibytes(r.limits?.memory) >= 1.2 * FLEET_ESTIMATED_PEAK_RSS_MIB,
    `broker memory ${r.requests?.memory}/${r.limits?.memory} below the estimated fleet peak (request >= ${FLEET_ESTIMATED_PEAK_RSS_MIB} MiB, limit >= 1.2 x; an estimate, see fleet.mjs)`);
  return problems;
}
