// Renders a kustomization folder the way `kubectl kustomize` does, for the subset of kustomize
// this project's manifests use, so CI needs no kustomize binary:
//   resources (files and folders with a kustomization.yaml), namespace, labels (pairs,
//   includeSelectors, includeTemplates), commonLabels, configMapGenerator (files, literals; name
//   suffixed with kustomize's content hash and references renamed), images (newName, newTag,
//   digest), patches (strategic merge patches from a file or inline).
// Anything else in a kustomization.yaml is an error, never silently ignored. check.mjs compares
// this output with `kubectl kustomize` wherever kubectl is installed.
//
// Usage: node render.mjs <folder>   (prints the multi-document YAML on stdout)
import { createHash } from "node:crypto";
import { readFileSync, existsSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";

const SUPPORTED = new Set([
  "apiVersion", "kind", "resources", "namespace", "labels", "commonLabels",
  "configMapGenerator", "images", "patches",
]);

export class RenderError extends Error {}

// Kubernetes reads YAML 1.1 (sigs.k8s.io/yaml): 0440 is octal 288, yes/no are booleans.
const YAML_OPTIONS = { version: "1.1" };

function readYamlDocs(file) {
  const docs = YAML.parseAllDocuments(readFileSync(file, "utf8"), YAML_OPTIONS);
  return docs.map((d, i) => {
    if (d.errors.length) throw new RenderError(`${file}: document ${i + 1}: ${d.errors[0].message}`);
    return d.toJS();
  }).filter((o) => o != null);
}

function kustomizationFile(dir) {
  for (const n of ["kustomization.yaml", "kustomization.yml", "Kustomization"]) {
    const f = path.resolve(dir, n);
    if (existsSync(f)) return f;
  }
  throw new RenderError(`${dir}: no kustomization.yaml`);
}

// Go's encoding/json output for a value made of maps (sorted keys) and strings, including its
// HTML-safe escapes, so the hash equals kustomize's.
function goJson(v) {
  if (v === null || typeof v !== "object") {
    return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g,
      (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
  }
  if (Array.isArray(v)) return "[" + v.map(goJson).join(",") + "]";
  return "{" + Object.keys(v).sort().map((k) => goJson(k) + ":" + goJson(v[k])).join(",") + "}";
}

// kustomize api/hasher: sha256 of the JSON of {kind, name, data[, binaryData]}, the first ten
// hex digits with 0 1 3 a e replaced (so the suffix never looks like a number or a word).
// kustomize v5 looks the name up as one field called "metadata/name", finds none and hashes
// "" in its place: reproduced here, so the suffix equals kubectl kustomize's.
export function configMapHash(cm) {
  const m = { kind: "ConfigMap", name: "", data: cm.data ?? {} };
  if (cm.binaryData && Object.keys(cm.binaryData).length) m.binaryData = cm.binaryData;
  const hex = createHash("sha256").update(goJson(m)).digest("hex");
  const swap = { 0: "g", 1: "h", 3: "k", a: "m", e: "t" };
  return [...hex.slice(0, 10)].map((c) => swap[c] ?? c).join("");
}

function generateConfigMap(dir, spec) {
  const allowed = new Set(["name", "behavior", "files", "literals", "options"]);
  for (const k of Object.keys(spec)) {
    if (!allowed.has(k)) throw new RenderError(`configMapGenerator ${spec.name}: unsupported field ${k}`);
  }
  const data = {};
  for (const f of spec.files ?? []) {
    const [key, rel] = f.includes("=") ? f.split(/=(.*)/s) : [path.basename(f), f];
    data[key] = readFileSync(path.resolve(dir, rel), "utf8");
  }
  for (const l of spec.literals ?? []) {
    const i = l.indexOf("=");
    if (i < 1) throw new RenderError(`configMapGenerator ${spec.name}: literal without key=value`);
    data[l.slice(0, i)] = l.slice(i + 1);
  }
  const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: spec.name }, data };
  const noHash = spec.options?.disableNameSuffixHash === true;
  return { cm, noHash };
}

const CLUSTER_SCOPED = new Set([
  "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PersistentVolume",
  "StorageClass", "PriorityClass", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
  "APIService", "IngressClass", "RuntimeClass",
]);
const WORKLOADS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"]);

function podSpecOf(o) {
  if (WORKLOADS.has(o.kind)) return o.spec?.template?.spec;
  if (o.kind === "CronJob") return o.spec?.jobTemplate?.spec?.template?.spec;
  if (o.kind === "Pod") return o.spec;
  return undefined;
}

function containersOf(podSpec) {
  return [...(podSpec?.initContainers ?? []), ...(podSpec?.containers ?? [])];
}

// --- strategic merge patch (the list merge keys of the core and apps types used here) ---
const MERGE_KEYS = {
  containers: "name", initContainers: "name", ephemeralContainers: "name", env: "name",
  volumes: "name", volumeMounts: "mountPath", ports: "containerPort", imagePullSecrets: "name",
  hostAliases: "ip", topologySpreadConstraints: "topologyKey",
};

function isMap(v) { return v !== null && typeof v === "object" && !Array.isArray(v); }

export function strategicMerge(base, patch, field = "") {
  if (!isMap(patch)) return patch;
  if (!isMap(base)) base = {};
  for (const k of Object.keys(patch)) {
    if (k.startsWith("$")) throw new RenderError(`patch directive ${k} is not supported by render.mjs`);
  }
  const out = { ...base };
  for (const [k, pv] of Object.entries(patch)) {
    if (pv === null) { delete out[k]; continue; }
    const key = MERGE_KEYS[k];
    if (Array.isArray(pv) && key && Array.isArray(out[k])) {
      // kustomize (kyaml) order: the patch's elements in the patch's order (merged with the
      // base's element of the same key), then the base's elements the patch does not name.
      const named = new Set(pv.map((pe) => pe[key]));
      out[k] = [
        ...pv.map((pe) => {
          const be = out[k].find((e) => e[key] === pe[key]);
          return be ? strategicMerge({ ...be }, pe, k) : pe;
        }),
        ...out[k].filter((e) => !named.has(e[key])).map((e) => ({ ...e })),
      ];
    } else if (isMap(pv)) {
      out[k] = strategicMerge(out[k], pv, k);
    } else {
      out[k] = pv;
    }
  }
  return out;
}

function id(o) {
  return `${o.kind}/${o.metadata?.namespace ?? ""}/${o.metadata?.name}`;
}

// kustomize's default ("legacy") output order: by kind, then by name.
const KIND_ORDER = [
  "Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition", "ServiceAccount",
  "PodSecurityPolicy", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ConfigMap",
  "Secret", "Endpoints", "Service", "LimitRange", "PriorityClass", "PersistentVolume",
  "PersistentVolumeClaim", "Deployment", "StatefulSet", "CronJob", "PodDisruptionBudget",
];
const LAST_KINDS = ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"];
function kindRank(k) {
  const i = KIND_ORDER.indexOf(k);
  if (i >= 0) return i;
  const j = LAST_KINDS.indexOf(k);
  return j >= 0 ? 1000 + j : 500;
}
function gvkString(o) {
  const [g, v] = o.apiVersion.includes("/") ? o.apiVersion.split("/") : ["", o.apiVersion];
  return `${g}_${v}_${o.kind}`;
}
// Go compares strings byte by byte (localeCompare would not: "a-b" vs "ab"); an object without
// a namespace sorts after every namespace (kustomize's stand-in "~X" for it).
const goCompare = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
const nsKey = (o) => o.metadata?.namespace || "~X";
export function sortLegacy(objs) {
  return [...objs].sort((a, b) => kindRank(a.kind) - kindRank(b.kind)
    || (kindRank(a.kind) === 500 ? goCompare(gvkString(a), gvkString(b)) : 0)
    || goCompare(nsKey(a), nsKey(b))
    || goCompare(a.metadata.name, b.metadata.name));
}

function applyLabels(objs, pairs, { selectors, templates }) {
  for (const o of objs) {
    o.metadata.labels = { ...(o.metadata.labels ?? {}), ...pairs };
    if (selectors) {
      if (o.kind === "Service") o.spec.selector = { ...(o.spec.selector ?? {}), ...pairs };
      if (WORKLOADS.has(o.kind) || o.kind === "PodDisruptionBudget") {
        o.spec.selector ??= {};
        o.spec.selector.matchLabels = { ...(o.spec.selector.matchLabels ?? {}), ...pairs };
      }
    }
    if ((selectors || templates) && o.spec?.template) {
      o.spec.template.metadata ??= {};
      o.spec.template.metadata.labels = { ...(o.spec.template.metadata.labels ?? {}), ...pairs };
    }
  }
}

function applyImages(objs, images) {
  for (const o of objs) {
    for (const c of containersOf(podSpecOf(o))) {
      const m = /^(.*?)(?::([^:/@]+))?(?:@(.+))?$/.exec(c.image);
      const [, name, tag, digest] = m;
      const rule = images.find((r) => r.name === name);
      if (!rule) continue;
      const newName = rule.newName ?? name;
      if (rule.digest) c.image = `${newName}@${rule.digest}`;
      else if (rule.newTag) c.image = `${newName}:${rule.newTag}`;
      else c.image = newName + (tag ? `:${tag}` : "") + (digest ? `@${digest}` : "");
    }
  }
}

// Objects of one kustomization, before name hashes are applied (generated ConfigMaps carry
// their original name in `generatedFrom` until the top level finishes).
function build(dir, top) {
  const file = kustomizationFile(dir);
  const k = YAML.parse(readFileSync(file, "utf8"), YAML_OPTIONS) ?? {};
  for (const key of Object.keys(k)) {
    if (!SUPPORTED.has(key)) throw new RenderError(`${file}: field ${key} is not supported by render.mjs`);
  }
  let objs = [];
  const generated = new Map(); // object -> { name, noHash }
  for (const r of k.resources ?? []) {
    const p = path.resolve(dir, r);
    if (statSync(p).isDirectory()) {
      const sub = build(p, false);
      objs.push(...sub.objs);
      for (const [o, g] of sub.generated) generated.set(o, g);
    } else {
      objs.push(...readYamlDocs(p));
    }
  }
  for (const spec of k.configMapGenerator ?? []) {
    const { cm, noHash } = generateConfigMap(dir, spec);
    const behavior = spec.behavior ?? "create";
    if (behavior === "create") {
      objs.push(cm);
      generated.set(cm, { name: spec.name, noHash });
      continue;
    }
    if (behavior !== "replace" && behavior !== "merge") {
      throw new RenderError(`${file}: configMapGenerator ${spec.name}: unknown behavior ${behavior}`);
    }
    // replace / merge: a ConfigMap generated by a resource folder keeps its metadata (namespace,
    // labels) and gets this generator's data instead of (replace) or over (merge) its own.
    const i = objs.findIndex((o) => generated.get(o)?.name === spec.name);
    if (i < 0) throw new RenderError(`${file}: configMapGenerator ${spec.name}: behavior ${behavior} but no generated ConfigMap of that name in the resources`);
    const old = objs[i];
    const merged = { ...old, data: behavior === "replace" ? cm.data : { ...old.data, ...cm.data } };
    generated.set(merged, { name: spec.name, noHash: spec.options ? noHash : generated.get(old).noHash });
    generated.delete(old);
    objs[i] = merged;
  }
  const ids = new Set();
  for (const o of objs) {
    if (!o.apiVersion || !o.kind || !o.metadata?.name) {
      throw new RenderError(`${dir}: an object without apiVersion, kind or metadata.name`);
    }
    if (ids.has(id(o))) throw new RenderError(`${dir}: ${id(o)} appears twice`);
    ids.add(id(o));
  }
  for (const p of k.patches ?? []) {
    for (const key of Object.keys(p)) {
      if (key !== "path" && key !== "patch") throw new RenderError(`${file}: patches[].${key} is not supported by render.mjs`);
    }
    const docs = p.path ? readYamlDocs(path.resolve(dir, p.path)) : [YAML.parse(p.patch, YAML_OPTIONS)];
    for (const patch of docs) {
      const i = objs.findIndex((o) => o.kind === patch.kind && o.metadata.name === patch.metadata?.name);
      if (i < 0) throw new RenderError(`${file}: patch target ${patch.kind}/${patch.metadata?.name} not found`);
      const merged = strategicMerge(objs[i], patch);
      if (generated.has(objs[i])) { generated.set(merged, generated.get(objs[i])); generated.delete(objs[i]); }
      objs[i] = merged;
    }
  }
  if (k.namespace) {
    for (const o of objs) if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
  }
  if (k.commonLabels) applyLabels(objs, k.commonLabels, { selectors: true, templates: true });
  for (const l of k.labels ?? []) {
    applyLabels(objs, l.pairs ?? {}, { selectors: l.includeSelectors === true, templates: l.includeTemplates === true });
  }
  if (k.images) applyImages(objs, k.images);
  return { objs, generated };
}

function renameConfigMapRefs(objs, renames) {
  const fix = (ref) => { if (ref?.name && renames.has(ref.name)) ref.name = renames.get(ref.name); };
  for (const o of objs) {
    const spec = podSpecOf(o);
    if (!spec) continue;
    for (const v of spec.volumes ?? []) {
      fix(v.configMap);
      for (const s of v.projected?.sources ?? []) fix(s.configMap);
    }
    for (const c of containersOf(spec)) {
      for (const e of c.env ?? []) fix(e.valueFrom?.configMapKeyRef);
      for (const e of c.envFrom ?? []) fix(e.configMapRef);
    }
  }
}

export function render(dir) {
  const { objs, generated } = build(path.resolve(dir), true);
  const renames = new Map();
  for (const [cm, g] of generated) {
    if (!g.noHash) {
      const hashed = `${g.name}-${configMapHash(cm)}`;
      renames.set(g.name, hashed);
      cm.metadata.name = hashed;
    }
  }
  renameConfigMapRefs(objs, renames);
  return sortLegacy(objs);
}

export function toYaml(objs) {
  return objs.map((o) => YAML.stringify(o, { lineWidth: 0 })).join("---\n");
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) { console.error("usage: node render.mjs <kustomization folder>"); process.exit(2); }
  try {
    process.stdout.write(toYaml(render(dir)));
  } catch (e) {
    if (e instanceof RenderError || e.code === "ENOENT") { console.error(`render: ${e.message}`); process.exit(1); }
    throw e;
  }
}
