#!/usr/bin/env node
// Run after `npm install` changes package-lock.json.
//
// This machine's npm registry serves only the platform packages it can run (no
// @esbuild/darwin-arm64, @rollup/rollup-win32-x64, ...). npm 11 then leaves those optional
// dependencies out of the lockfile, and `npm ci` rejects its own lockfile as "out of sync"
// (npm/cli#9846). Recording each missing optional dependency as an optional entry restores
// what npm would write with a full registry: `npm ci` skips them as unavailable optionals.
import fs from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const packages = lock.packages;
let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, range] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${path ? `${path}/` : ''}node_modules/${name}`;
    const top = `node_modules/${name}`;
    if (packages[nested] || packages[top]) continue;
    packages[top] = { version: range.replace(/^[\^~=]/, ''), ...(entry.dev ? { dev: true } : {}), optional: true };
    added++;
  }
}
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`recorded ${added} unavailable optional dependencies`);
