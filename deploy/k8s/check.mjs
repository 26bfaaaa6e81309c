// Renders deploy/k8s (base and every overlay) and checks every object:
//   1. render.mjs output equals `kubectl kustomize` wherever kubectl is installed;
//   2. schema: kubernetes-models' validators (the Kubernetes OpenAPI schema: types, formats such
//      as quantities, required fields, enums);
//   3. no unknown fields: the objects are type-checked by TypeScript against kubernetes-models'
//      interfaces (excess property check), as the API server's strict field validation would
//      reject them (the validators of step 2 let unknown fields through);
//   4. the pod spec has what the sidecar needs (README "Deploy on Kubernetes"), cross-checked
//      with the broker configuration it mounts;
//   5. self-test: broken copies of the rendered objects (a typo'd field, a wrong type, a bad
//      quantity, subPath on the secret, no native sidecar, a writable root filesystem, ...)
//      must each fail the step that should catch them.
// Exits 1 on any failure. Usage: node check.mjs  (from deploy/k8s; check.sh runs npm ci first)
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import YAML from "yaml";
import ts from "typescript";
import { render, RenderError } from "./render.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
process.chdir(here);

// apiVersion -> [module folder, TypeScript interface prefix]
const MODELS = {
  v1: "kubernetes-models/v1",
  "apps/v1": "kubernetes-models/apps/v1",
  "policy/v1": "kubernetes-models/policy/v1",
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
const BROKER = "token-broker";
// bench/README.md, flags "sidecar": VmHWM 93.5 MB with 1,001 keys after token-GET and
// event-bus load (VmRSS max 84.8-85.9 MB under token GETs alone).
const MEASURED_PEAK_RSS_MIB = 94;
function parseFlags(cmd) {
  const size = (v) => { const m = /^(\d+)([kmg])?$/i.exec(v); return m ? Number(m[1]) * ({ k: 1 / 1024, m: 1, g: 1024 }[m[2]?.toLowerCase()] ?? 1 / 1048576) : NaN; };
  const get = (re) => { const a = cmd.find((x) => re.test(x)); return a ? size(a.replace(re, "")) : NaN; };
  return { xmx: get(/^-Xmx/), metaspace: get(/^-XX:MaxMetaspaceSize=/) };
}
function mebibytes(q) {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G)?$/.exec(String(q));
  if (!m) return NaN;
  const f = { Ki: 1 / 1024, Mi: 1, Gi: 1024, k: 1000 / 1048576, M: 1e6 / 1048576, G: 1e9 / 1048576 }[m[2]] ?? 1 / 1048576;
  return Number(m[1]) * f;
}
function portNumber(container, port) {
  if (typeof port === "number") return port;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}
function mountedDir(container, podSpec, file) {
  // the volume mount whose mountPath holds `file`
  const m = (container.volumeMounts ?? []).filter((v) => file.startsWith(v.mountPath.replace(/\/?$/, "/")))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  if (!m) return null;
  return { mount: m, volume: podSpec.volumes?.find((v) => v.name === m.name) };
}

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
  const cfgPath = broker.args?.[broker.args.indexOf("--config") + 1] ?? "/etc/token-broker/broker.yaml";
  const cfgMount = mountedDir(broker, spec, cfgPath);
  const cmName = cfgMount?.volume?.configMap?.name;
  const cm = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name === cmName);
  p(cm, `broker config ${cfgPath} does not come from a rendered ConfigMap`);
  const key = cfgMount?.mount.subPath ?? path.relative(cfgMount?.mount.mountPath ?? "/", cfgPath);
  const cfg = cm?.data?.[key] ? YAML.parse(cm.data[key]) : {};
  const mgmtPort = cfg.management?.port ?? 4007;
  p(cfg.management, "broker config has no management listener (probes and scrapes need one)");
  p(["0.0.0.0", "::"].includes(cfg.management?.host), "management.host must be 0.0.0.0 for the kubelet and Prometheus");

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

// ---- 5. broken copies ----
const brokerOf = (objs) => objs.find((o) => o.kind === "Deployment").spec.template.spec.initContainers.find((c) => c.name === BROKER);
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

  // every case: the real objects of each folder, then broken copies of the example overlay
  const overlay = rendered["overlays/example"];
  const cases = dirs.filter((d) => rendered[d]).map((d) => ({ name: d, objs: rendered[d], expect: null }));
  if (overlay) {
    for (const [name, stage, word, mutate] of MUTATIONS) {
      const objs = structuredClone(overlay);
      mutate(objs);
      cases.push({ name, objs, expect: stage, word });
    }
  }
  const entries = cases.flatMap((c, ci) => c.objs.map((obj) => ({ ci, obj })));
  const tErrors = typeErrors(entries);
  const results = cases.map(() => ({ schema: [], types: [], pod: [] }));
  for (const [i, e] of entries.entries()) {
    const where = idOf(e.obj);
    for (const m of await schemaErrors(e.obj)) results[e.ci].schema.push(`${where}: ${m}`);
    for (const m of tErrors[i]) results[e.ci].types.push(`${where}: ${m}`);
  }
  cases.forEach((c, ci) => { results[ci].pod = podProblems(c.objs); });

  console.log("== schema (kubernetes-models), unknown fields (TypeScript), pod spec");
  cases.forEach((c, ci) => {
    if (c.expect) return;
    const r = results[ci];
    if (r.schema.length) fail(`${c.name}: schema`, r.schema); else ok(`${c.name}: every object valid against the Kubernetes API schema`);
    if (r.types.length) fail(`${c.name}: unknown fields`, r.types); else ok(`${c.name}: no unknown fields`);
    if (!c.name.startsWith("overlays/") && c.name !== "base") return;
    if (r.pod.length) fail(`${c.name}: pod spec`, r.pod); else ok(`${c.name}: pod spec has native sidecar, probes, secret volume, socket, securityContext, resources, PDB`);
  });

  console.log("== self-test: broken copies of overlays/example must fail");
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
