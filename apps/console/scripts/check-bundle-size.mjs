#!/usr/bin/env node
// The initial JavaScript budget: the entry chunk plus every chunk it imports statically (what the
// browser must fetch before the first render), gzipped, at most 200 KB. Charts and the online tool
// must stay out of it. Reads dist/.vite/manifest.json from `vite build`.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const BUDGET = 200 * 1024;
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist");
const manifest = JSON.parse(readFileSync(path.join(dist, ".vite/manifest.json"), "utf8"));

const entries = Object.entries(manifest).filter(([, c]) => c.isEntry);
if (entries.length !== 1) throw new Error(`expected one entry chunk, found ${entries.length}`);

const initial = new Set();
const visit = (key) => {
  if (initial.has(key)) return;
  initial.add(key);
  for (const dep of manifest[key]?.imports ?? []) visit(dep);
};
visit(entries[0][0]);

const gz = (file) => gzipSync(readFileSync(path.join(dist, file)), { level: 9 }).length;
let total = 0;
for (const key of initial) {
  const size = gz(manifest[key].file);
  total += size;
  console.log(`  ${(size / 1024).toFixed(1).padStart(7)} KB  ${manifest[key].file}`);
}
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`initial JS (gzip): ${kb(total)} of ${kb(BUDGET)}`);

const failures = [];
if (total > BUDGET) failures.push(`initial JS is ${kb(total)}, over the ${kb(BUDGET)} budget`);
// Modules that must load on demand only: the chart library and the encrypt/decrypt tool.
const initialSources = [...initial].join("\n");
for (const lazy of ["recharts", "key-tool-panel", "key-usage-chart", "daily-chart"]) {
  if (initialSources.includes(lazy)) failures.push(`${lazy} is in the initial bundle`);
}
const lazyKeys = Object.keys(manifest).join("\n");
for (const lazy of ["key-tool-panel", "key-usage-chart", "daily-chart"]) {
  if (!lazyKeys.includes(lazy)) failures.push(`${lazy} is not a separate chunk`);
}
if (failures.length > 0) {
  for (const f of failures) console.error(`bundle-size: ${f}`);
  process.exit(1);
}
