// Renders deploy/k8s (base and every overlay) and checks every object:
//   1. render.mjs output equals `kubectl kustomize` wherever kubectl is installed;
//   2. schema: kubernetes-models' validators (the Kubernetes OpenAPI schema: types, formats such
//      as quantities, required fields, enums);
//   3. no unknown fields: the objects are type-checked by TypeScript against kubernetes-models'
//      interfaces (excess property check), as the API server's strict field validation would
//      reject them (the validators of step 2 let unknown fields through);
//   4. the pod spec has what the sidecar needs (README "Deploy on Kubernetes"), cross-checked
//      with the broker configuration it mounts;
//   5. fleet mode (fleet.mjs) on overlays/fleet and any folder whose broker config turns the
//      cluster on: cluster.enabled, POD_IP from the downward API, the headless Service that
//      serviceDns names, the NetworkPolicy on the cluster ports, the cluster secret volume,
//      raised memory;
//   6. self-test: broken copies of the rendered objects (a typo'd field, a wrong type, a bad
//      quantity, subPath on the secret, no native sidecar, a writable root filesystem, a
//      Service that is not headless, a NetworkPolicy open to every namespace, ...) must each
//      fail the step that should catch them.
// Exits 1 on any failure. Usage: node check.mjs  (from deploy/k8s; check.sh runs npm ci first)
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import YAML from "yaml";
import ts from "typescript";
import { render, RenderError } from "./render.mjs";
import {
  BROKER, MEASURED_PEAK_RSS_MIB, brokerConfig, brokerPod, interpolate, mebibytes, mountedDir, parseFlags,
  portNumber, realMountPath, strings,
} from "./pod.mjs";
import { fleetProblems } from "./fleet.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
process.chdir(here);

// apiVersion -> [module folder, TypeScript interface prefix]
const MODELS = {
  v1: "kubernetes-models/v1",
  "apps/v1": "kubernetes-models/apps/v1",
  "policy/v1": "kubernetes-models/policy/v1",
  "networking.k8s.io/v1": "kubernetes-models/networking.k8s.io/v1",
  "monitoring.coreos.com/v1": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1",
};

let passed = 0;
let failed = 0;
function ok(what) { passed++; console.log(`  ok    ${what}`); }
function fail(what, detail) {
  failed++;
  console.log(`  FAIL  ${what}`);
  for (const line of [].concat(detail ?? [])) console.log(`        ${line}`);
}
const idOf = (o) => `${o.kind}/${o.metadata?.name}`;

// ---- 2. schema ----
async function schemaErrors(o) {
  const mod = MODELS[o.apiVersion];
  if (!mod) return [`no schema known for apiVersion ${o.apiVersion}`];
  let Model;
  try {
    Model = (await import(`${mod}/${o.kind}`))[o.kind];
  } catch {
    return [`no schema known for ${o.apiVersion} ${o.kind}`];
  }
  try {
    new Model(structuredClone(o)).validate();
    return [];
  } catch (e) {
    return String(e.message).split(/,\s(?=data\/)/).slice(0, 8);
  }
}

// ---- 3. unknown fields: one TypeScript program for every object of every case ----
function typeErrors(entries) {
  const build = path.join(here, ".build");
  mkdirSync(build, { recursive: true });
  const file = path.join(build, "objects.ts");
  const imports = new Map();
  const ranges = [];
  let body = "";
  let line = 0;
  entries.forEach(({ obj }, i) => {
    const mod = MODELS[obj.apiVersion];
    if (!mod) { ranges.push(null); return; }
    const iface = `I${obj.kind}`;
    const alias = `T${imports.size}`;
    const key = `${mod}/${obj.kind}`;
    if (!imports.has(key)) imports.set(key, { alias, iface });
    const text = `export const o${i}: ${imports.get(key).alias} = ${JSON.stringify(obj, null, 2)};\n`;
    const lines = text.split("\n").length - 1;
    ranges.push([line, line + lines - 1]);
    body += text;
    line += lines;
  });
  const head = [...imports].map(([m, { alias, iface }]) => `import type { ${iface} as ${alias} } from "${m}";`);
  const offset = head.length;
  writeFileSync(file, head.join("\n") + "\n" + body);
  const program = ts.createProgram([file], {
    strict: true, noEmit: true, skipLibCheck: true, types: [],
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
  });
  const result = entries.map(() => []);
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const msg = ts.flattenDiagnosticMessageText(d.messageText, " ");
    if (!d.file || path.resolve(d.file.fileName) !== file) { result.forEach((r) => r.push(`typescript: ${msg}`)); continue; }
    const l = d.file.getLineAndCharacterOfPosition(d.start).line - offset;
    const i = ranges.findIndex((r) => r && l >= r[0] && l <= r[1]);
    const src = d.file.text.split("\n")[l + offset].trim();
    (i >= 0 ? result[i] : result[0]).push(`${msg} (at ${src})`);
  }
  return result;
}

// ---- 4. what the sidecar pod needs ----
export function podProblems(objs) {
  const problems = [];
  const p = (cond, msg) => { if (!cond) problems.push(msg); };
  const dep = objs.find((o) => o.kind === "Deployment");
  if (!dep) return ["no Deployment"];
  const spec = dep.spec.template.spec;
  const broker = spec.initContainers?.find((c) => c.name === BROKER);
  p(broker, `no init container ${BROKER}`);
  if (!broker) return problems;
  p(broker.restartPolicy === "Always", "broker is not a native sidecar (initContainers[].restartPolicy: Always)");
  p((spec.containers ?? []).length >= 1, "no app container");

  // the broker's configuration, from the ConfigMap it mounts
  const { cfgPath, cm, cfg } = brokerConfig(objs, spec, broker);
  p(cm, `broker config ${cfgPath} does not come from a rendered ConfigMap`);
  const mgmtPort = cfg.management?.port ?? 4007;
  p(cfg.management, "broker config has no management listener (probes and scrapes need one)");
  p(["0.0.0.0", "::"].includes(cfg.management?.host), "management.host must be 0.0.0.0 for the kubelet and Prometheus");
  // every ${VAR} the broker interpolates is set in its container (or has a default): the broker
  // refuses to start on an unset variable
  for (const [at, text] of strings(cfg)) {
    for (const name of interpolate(text, broker, dep.metadata.namespace).unset) {
      problems.push(`broker config ${at} uses \${${name}}, which the broker container's env does not set`);
    }
  }
  // no volume mount inside another one of the same container (the inner one would shadow part
  // of the outer volume, or be created inside it); /var/run is /run in the image
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    const ms = (c.volumeMounts ?? []).map((m) => ({ m, real: realMountPath(m.mountPath) }));
    for (const a of ms) {
      for (const b of ms) {
        p(a === b || !b.real.startsWith(a.real + "/"),
          `${c.name}: volume mount ${b.m.mountPath} (${b.m.name}) lies inside ${a.m.mountPath} (${a.m.name}); /var/run is /run in the image`);
      }
    }
  }

  // probes on the management port
  const probe = (name, pathWanted) => {
    const pr = broker[name];
    p(pr?.httpGet?.path === pathWanted, `broker ${name} is not httpGet ${pathWanted}`);
    p(pr && portNumber(broker, pr.httpGet?.port) === mgmtPort, `broker ${name} is not on the management port ${mgmtPort}`);
  };
  probe("startupProbe", "/health/ready");
  probe("livenessProbe", "/health/live");
  probe("readinessProbe", "/health/ready");
  const ann = dep.spec.template.metadata?.annotations ?? {};
  p(ann["prometheus.io/scrape"] === "true" && Number(ann["prometheus.io/port"]) === mgmtPort,
    "pod template lacks prometheus.io/scrape and prometheus.io/port of the management port");

  // the client secret: a Secret volume, no subPath, in the folder clientSecretFile names
  p(cfg.idp?.clientSecretFile, "broker config has no idp.clientSecretFile");
  const sec = cfg.idp?.clientSecretFile ? mountedDir(broker, spec, cfg.idp.clientSecretFile) : null;
  p(sec?.volume?.secret, "idp.clientSecretFile is not in a Secret volume");
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    for (const m of c.volumeMounts ?? []) {
      const v = spec.volumes?.find((x) => x.name === m.name);
      p(!(m.subPath || m.subPathExpr) || !(v?.secret || v?.configMap || v?.projected),
        `${c.name}: ${m.name} is mounted with subPath (never updated on rotation)`);
    }
  }

  // the Unix socket on an emptyDir shared with the app
  const sock = cfg.http?.unixSocket;
  p(sock, "broker config has no http.unixSocket");
  if (sock) {
    const b = mountedDir(broker, spec, sock);
    p(b?.volume?.emptyDir, "http.unixSocket is not on an emptyDir volume");
    p(spec.containers.some((c) => (c.volumeMounts ?? []).some((m) => m.name === b?.mount.name)),
      "no app container mounts the socket volume");
  }

  // security context of every container (the container's field, else the pod's)
  const podSc = spec.securityContext ?? {};
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    const sc = c.securityContext ?? {};
    const eff = (k) => sc[k] ?? podSc[k];
    p(eff("runAsNonRoot") === true, `${c.name}: runAsNonRoot is not true`);
    p(sc.readOnlyRootFilesystem === true, `${c.name}: readOnlyRootFilesystem is not true`);
    p(sc.allowPrivilegeEscalation === false, `${c.name}: allowPrivilegeEscalation is not false`);
    p((sc.capabilities?.drop ?? []).includes("ALL") && !(sc.capabilities?.add ?? []).length,
      `${c.name}: capabilities do not drop ALL`);
    p((sc.seccompProfile ?? podSc.seccompProfile)?.type === "RuntimeDefault", `${c.name}: seccompProfile is not RuntimeDefault`);
    p((eff("runAsUser") ?? 1) !== 0, `${c.name}: runAsUser 0`);
  }
  const tmp = mountedDir(broker, spec, "/tmp/x");
  p(tmp?.volume?.emptyDir, "broker has no writable emptyDir on /tmp (read-only root filesystem)");

  // resources against the JVM flags
  const r = broker.resources ?? {};
  for (const k of ["cpu", "memory"]) p(r.requests?.[k], `broker has no ${k} request`);
  p(r.limits?.memory, "broker has no memory limit");
  const cmd = [...(broker.command ?? []), ...(broker.args ?? [])];
  const f = parseFlags(cmd);
  p(cmd.includes("-XX:+UseSerialGC") && f.xmx > 0, "broker command lacks the recommended flags (-XX:+UseSerialGC -Xmx...)");
  const limit = mebibytes(r.limits?.memory);
  p(limit >= 1.2 * MEASURED_PEAK_RSS_MIB,
    `memory limit ${r.limits?.memory} is not 20 % above the measured peak RSS (${MEASURED_PEAK_RSS_MIB} MiB, bench/README.md)`);
  p(f.xmx <= limit / 2, `heap -Xmx ${f.xmx} MiB is more than half the memory limit ${r.limits?.memory} (metaspace, code, threads need the rest)`);
  p(f.metaspace > 0, "broker command lacks -XX:MaxMetaspaceSize");
  p(mebibytes(r.requests?.memory) <= mebibytes(r.limits?.memory), "memory request above the limit");

  // stop order and bounds
  const stop = cfg.shutdown?.timeoutSeconds ?? 5;
  p((spec.terminationGracePeriodSeconds ?? 30) > stop,
    `terminationGracePeriodSeconds ${spec.terminationGracePeriodSeconds} is not above shutdown.timeoutSeconds ${stop}`);

  // a PodDisruptionBudget selecting these pods
  const labels = dep.spec.template.metadata?.labels ?? {};
  const pdb = objs.find((o) => o.kind === "PodDisruptionBudget"
    && Object.entries(o.spec.selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v));
  p(pdb, "no PodDisruptionBudget selects the pods");
  return problems;
}

// ---- 6. broken copies ----
const brokerOf = (objs) => objs.find((o) => o.kind === "Deployment").spec.template.spec.initContainers.find((c) => c.name === BROKER);
const find = (objs, kind, name) => objs.find((o) => o.kind === kind && (!name || o.metadata.name === name));
const podOf = (objs) => find(objs, "Deployment").spec.template.spec;
// edit the broker.yaml in the fleet's ConfigMap (the name keeps its hash: only the content matters here)
const editConfig = (objs, edit) => {
  const cm = objs.find((o) => o.kind === "ConfigMap" && o.data?.["broker.yaml"]);
  const cfg = YAML.parse(cm.data["broker.yaml"]);
  edit(cfg);
  cm.data["broker.yaml"] = YAML.stringify(cfg);
};
const fleetSvc = (o) => find(o, "Service", "token-broker-fleet");
const fleetPolicy = (o) => find(o, "NetworkPolicy", "token-broker-fleet");
// [what, the check that must catch it, a word its message must contain, the change] on overlays/fleet
const FLEET_MUTATIONS = [
  ["fleet: cluster.enabled false", "fleet", "cluster.enabled", (o) => editConfig(o, (c) => { c.cluster.enabled = false; })],
  ["fleet: broker.yaml drifted from the base (a token removed)", "fleet", "differs from base/broker.yaml", (o) => editConfig(o, (c) => { c.tokens = []; })],
  ["fleet: cluster.eventBusPort 0 (random)", "fleet", "fixed port", (o) => editConfig(o, (c) => { c.cluster.eventBusPort = 0; })],
  ["fleet: cluster.host a literal address", "fleet", "cluster.host", (o) => editConfig(o, (c) => { c.cluster.host = "0.0.0.0"; })],
  ["fleet: POD_IP from status.hostIP", "fleet", "POD_IP", (o) => { brokerOf(o).env.find((e) => e.name === "POD_IP").valueFrom.fieldRef.fieldPath = "status.hostIP"; }],
  ["fleet: POD_IP env missing", "pod", "POD_IP", (o) => { const b = brokerOf(o); b.env = b.env.filter((e) => e.name !== "POD_IP"); }],
  ["fleet: serviceDns names another namespace", "fleet", "namespace", (o) => editConfig(o, (c) => { c.cluster.kubernetes.serviceDns = "token-broker-fleet.default.svc.cluster.local"; })],
  ["fleet: headless Service in another namespace", "fleet", "namespace", (o) => { fleetSvc(o).metadata.namespace = "default"; }],
  ["fleet: Service not headless", "fleet", "headless", (o) => { delete fleetSvc(o).spec.clusterIP; }],
  ["fleet: Service without publishNotReadyAddresses", "fleet", "publishNotReadyAddresses", (o) => { fleetSvc(o).spec.publishNotReadyAddresses = false; }],
  ["fleet: Service selector matches no pod", "fleet", "does not select the pods", (o) => { fleetSvc(o).spec.selector = { "app.kubernetes.io/name": "token-broker" }; }],
  ["fleet: Service without the event-bus port", "fleet", "eventBusPort", (o) => { fleetSvc(o).spec.ports = fleetSvc(o).spec.ports.filter((x) => x.port !== 5702); }],
  ["fleet: Service targetPort to an unnamed port", "fleet", "cluster.port", (o) => { fleetSvc(o).spec.ports[0].targetPort = "hazelcst"; }],
  ["fleet: container port 5701 not declared", "fleet", "container port 5701", (o) => { const b = brokerOf(o); b.ports = b.ports.filter((x) => x.containerPort !== 5701); }],
  ["fleet: cluster secret mounted with subPath", "fleet", "subPath", (o) => { const m = brokerOf(o).volumeMounts.find((v) => v.name === "cluster-secret"); m.mountPath += "/secret"; m.subPath = "secret"; }],
  ["fleet: cluster secret from a ConfigMap", "fleet", "not in a Secret volume", (o) => { const v = podOf(o).volumes.find((x) => x.name === "cluster-secret"); v.configMap = { name: "token-broker-cluster", items: v.secret.items }; delete v.secret; }],
  ["fleet: cluster secret key differs from the documented command", "fleet", "creates key", (o) => { const v = podOf(o).volumes.find((x) => x.name === "cluster-secret"); v.secret.items[0].key = "cluster-secret"; }],
  ["fleet: the app container mounts the cluster secret", "fleet", "mounts the cluster secret", (o) => { podOf(o).containers[0].volumeMounts.push({ name: "cluster-secret", mountPath: "/var/run/secrets/cluster", readOnly: true }); }],
  ["fleet: secret under /var/run/token-broker (= the socket emptyDir)", "pod", "lies inside", (o) => { brokerOf(o).volumeMounts.find((v) => v.name === "cluster-secret").mountPath = "/var/run/token-broker/cluster"; editConfig(o, (c) => { c.cluster.secretFile = "/var/run/token-broker/cluster/secret"; }); }],
  ["fleet: a Secret with a committed value", "fleet", "never committed", (o) => { o.push({ apiVersion: "v1", kind: "Secret", metadata: { name: "token-broker-cluster", namespace: "students" }, stringData: { secret: "x".repeat(44) } }); }],
  ["fleet: no NetworkPolicy", "fleet", "no NetworkPolicy", (o) => { o.splice(o.indexOf(fleetPolicy(o)), 1); }],
  ["fleet: NetworkPolicy peer from every namespace", "fleet", "not only to pods", (o) => { fleetPolicy(o).spec.ingress[0].from[0].namespaceSelector = {}; }],
  ["fleet: NetworkPolicy peer any pod of the namespace", "fleet", "not only to pods", (o) => { fleetPolicy(o).spec.ingress[0].from[0].podSelector = {}; }],
  ["fleet: NetworkPolicy rule without ports (all ports from anywhere)", "fleet", "to every source", (o) => { fleetPolicy(o).spec.ingress.push({}); }],
  ["fleet: NetworkPolicy opens 5701 to everyone", "fleet", "to every source", (o) => { fleetPolicy(o).spec.ingress[1].ports.push({ protocol: "TCP", port: 5701 }); }],
  ["fleet: NetworkPolicy forgets the event-bus port", "fleet", "could not form a cluster", (o) => { fleetPolicy(o).spec.ingress[0].ports = [{ protocol: "TCP", port: 5701 }]; }],
  ["fleet: NetworkPolicy shuts out the app's port", "fleet", "Service students-rs", (o) => { fleetPolicy(o).spec.ingress.splice(1, 1); }],
  ["fleet: NetworkPolicy selects other pods", "fleet", "no NetworkPolicy", (o) => { fleetPolicy(o).spec.podSelector.matchLabels = { "app.kubernetes.io/name": "other" }; }],
  ["fleet: memory not raised for Hazelcast", "fleet", "not raised", (o) => { const r = brokerOf(o).resources; r.requests.memory = "96Mi"; r.limits.memory = "128Mi"; }],
  ["fleet: NetworkPolicy typo (podSelectr)", "types", "podSelectr", (o) => { const s = fleetPolicy(o).spec; s.podSelectr = s.podSelector; }],
  ["fleet: Service clusterIP typo (clusterIp)", "types", "clusterIp", (o) => { const s = fleetSvc(o).spec; s.clusterIp = "None"; delete s.clusterIP; }],
];
// [what, the check that must catch it, a word its message must contain, the change]
const MUTATIONS = [
  ["typo'd field (imagePullPolcy)", "types", "imagePullPolcy", (o) => { brokerOf(o).imagePullPolcy = "Always"; }],
  ["typo'd field in securityContext (readOnlyRootFileSystem)", "types", "readOnlyRootFileSystem", (o) => { brokerOf(o).securityContext.readOnlyRootFileSystem = true; }],
  ["typo'd field in the PodMonitor (podMetricsEndpoint)", "types", "podMetricsEndpoint", (o) => { const m = o.find((x) => x.kind === "PodMonitor"); m.spec.podMetricsEndpoint = m.spec.podMetricsEndpoints; }],
  ["wrong type (containerPort: \"4007\")", "schema", "containerPort", (o) => { brokerOf(o).ports[0].containerPort = "4007"; }],
  ["bad quantity (memory: 128 MB)", "schema", "memory", (o) => { brokerOf(o).resources.limits.memory = "128 MB"; }],
  ["container without a name (required)", "schema", "name", (o) => { delete brokerOf(o).name; }],
  ["secret mounted with subPath", "pod", "subPath", (o) => { const m = brokerOf(o).volumeMounts.find((v) => v.name === "idp-secret"); m.subPath = "client-secret"; }],
  ["broker as a plain init container (no restartPolicy)", "pod", "native sidecar", (o) => { delete brokerOf(o).restartPolicy; }],
  ["no startupProbe", "pod", "startupProbe", (o) => { delete brokerOf(o).startupProbe; }],
  ["startupProbe on the wrong port", "pod", "startupProbe", (o) => { brokerOf(o).startupProbe.httpGet.port = 4004; }],
  ["writable root filesystem", "pod", "readOnlyRootFilesystem", (o) => { brokerOf(o).securityContext.readOnlyRootFilesystem = false; }],
  ["capabilities not dropped in the app", "pod", "capabilities", (o) => { delete o.find((x) => x.kind === "Deployment").spec.template.spec.containers[0].securityContext.capabilities; }],
  ["no seccomp profile", "pod", "seccomp", (o) => { const d = o.find((x) => x.kind === "Deployment"); delete d.spec.template.spec.securityContext.seccompProfile; delete brokerOf(o).securityContext.seccompProfile; }],
  ["memory limit below the measured footprint", "pod", "measured peak", (o) => { brokerOf(o).resources.limits.memory = "100Mi"; }],
  ["no PodDisruptionBudget", "pod", "PodDisruptionBudget", (o) => { o.splice(o.findIndex((x) => x.kind === "PodDisruptionBudget"), 1); }],
];

// The text of one "## " section of a Markdown file (empty if the file or section is missing).
function readmeSection(file, title) {
  if (!existsSync(file)) return "";
  const text = readFileSync(file, "utf8");
  const i = text.indexOf(`\n## ${title}\n`);
  if (i < 0) return "";
  const j = text.indexOf("\n## ", i + 1);
  return text.slice(i, j < 0 ? undefined : j);
}

function diffPaths(a, b, p = "") {
  if (isDeepStrictEqual(a, b)) return [];
  if (a && b && typeof a === "object" && typeof b === "object") {
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((k) => diffPaths(a[k], b[k], `${p}/${k}`));
  }
  return [`${p}: ${JSON.stringify(a)} (render.mjs) vs ${JSON.stringify(b)} (kubectl)`];
}

async function main() {
  const dirs = ["base", ...readdirSync("overlays").map((d) => `overlays/${d}`)];
  const rendered = {};
  console.log("== render");
  for (const d of dirs) {
    try {
      rendered[d] = render(d);
      mkdirSync(".build", { recursive: true });
      writeFileSync(`.build/${d.replace(/\//g, "_")}.yaml`, rendered[d].map((o) => YAML.stringify(o, { lineWidth: 0 })).join("---\n"));
      ok(`${d}: ${rendered[d].length} objects (${rendered[d].map(idOf).join(", ")})`);
    } catch (e) {
      fail(`${d}: render`, e instanceof RenderError ? e.message : e.stack);
    }
  }

  console.log("== render.mjs vs kubectl kustomize");
  const kubectl = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" });
  if (kubectl.status !== 0) {
    console.log("  (kubectl not installed here: render.mjs alone renders; nothing to compare with)");
  } else {
    for (const d of dirs.filter((x) => rendered[x])) {
      const k = spawnSync("kubectl", ["kustomize", d], { encoding: "utf8" });
      if (k.status !== 0) { fail(`${d}: kubectl kustomize`, k.stderr.trim()); continue; }
      const theirs = YAML.parseAllDocuments(k.stdout, { version: "1.1" }).map((x) => x.toJS());
      const diff = diffPaths(rendered[d], theirs);
      if (diff.length) fail(`${d}: differs from kubectl kustomize`, diff.slice(0, 10));
      else ok(`${d}: identical to kubectl kustomize`);
    }
  }

  // every case: the real objects of each folder, then broken copies of the example and fleet overlays
  const cases = dirs.filter((d) => rendered[d]).map((d) => ({ name: d, objs: rendered[d], expect: null, fleet: d === "overlays/fleet" }));
  for (const [target, list] of [["overlays/example", MUTATIONS], ["overlays/fleet", FLEET_MUTATIONS]]) {
    if (!rendered[target]) continue;
    for (const [name, stage, word, mutate] of list) {
      const objs = structuredClone(rendered[target]);
      mutate(objs);
      cases.push({ name, objs, expect: stage, word, fleet: target === "overlays/fleet" });
    }
  }
  const entries = cases.flatMap((c, ci) => c.objs.map((obj) => ({ ci, obj })));
  const tErrors = typeErrors(entries);
  const results = cases.map(() => ({ schema: [], types: [], pod: [], fleet: [] }));
  for (const [i, e] of entries.entries()) {
    const where = idOf(e.obj);
    for (const m of await schemaErrors(e.obj)) results[e.ci].schema.push(`${where}: ${m}`);
    for (const m of tErrors[i]) results[e.ci].types.push(`${where}: ${m}`);
  }
  cases.forEach((c, ci) => { results[ci].pod = podProblems(c.objs); });
  // fleet checks: on the fleet overlay, and on any folder whose broker config turns the cluster on
  const fleetContext = {
    baseCfg: YAML.parse(readFileSync("base/broker.yaml", "utf8")),
    baseBroker: rendered.base && brokerOf(rendered.base),
    docs: [
      { file: "overlays/fleet/kustomization.yaml", text: readFileSync("overlays/fleet/kustomization.yaml", "utf8") },
      { file: "README.md \"Deploy on Kubernetes\"", text: readmeSection("../../README.md", "Deploy on Kubernetes") },
    ],
  };
  cases.forEach((c, ci) => {
    const { spec, broker } = brokerPod(c.objs);
    if (c.fleet || (broker && brokerConfig(c.objs, spec, broker).cfg.cluster?.enabled === true)) {
      c.fleet = true;
      results[ci].fleet = fleetProblems(c.objs, fleetContext);
    }
  });

  console.log("== schema (kubernetes-models), unknown fields (TypeScript), pod spec");
  cases.forEach((c, ci) => {
    if (c.expect) return;
    const r = results[ci];
    if (r.schema.length) fail(`${c.name}: schema`, r.schema); else ok(`${c.name}: every object valid against the Kubernetes API schema`);
    if (r.types.length) fail(`${c.name}: unknown fields`, r.types); else ok(`${c.name}: no unknown fields`);
    if (!c.name.startsWith("overlays/") && c.name !== "base") return;
    if (r.pod.length) fail(`${c.name}: pod spec`, r.pod); else ok(`${c.name}: pod spec has native sidecar, probes, secret volume, socket, securityContext, resources, PDB`);
    if (!c.fleet) return;
    if (r.fleet.length) fail(`${c.name}: fleet`, r.fleet); else ok(`${c.name}: fleet has cluster.enabled, POD_IP from the downward API, a headless Service for serviceDns, a NetworkPolicy for the cluster ports, the cluster secret volume, raised memory`);
  });

  console.log("== self-test: broken copies of overlays/example and overlays/fleet must fail");
  cases.forEach((c, ci) => {
    if (!c.expect) return;
    const caught = results[ci][c.expect].filter((m) => m.includes(c.word));
    if (caught.length) ok(`${c.name}: rejected by the ${c.expect} check (${caught[0].slice(0, 110)})`);
    else fail(`${c.name}: NOT rejected by the ${c.expect} check`);
  });

  console.log(`k8s: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

await main();
