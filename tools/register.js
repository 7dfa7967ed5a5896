/**
 * A require hook that runs this project's TypeScript under plain node: `node -r ./tools/register.js`.
 *
 * Offline synth is on the path of every `npm run synth` and every test run, and tsx's hook alone
 * costs about half a second. This one strips types with esbuild (a devDependency) and
 * keeps the result in node_modules/.cache keyed by the source's hash, so a warm run only reads
 * files. Type-checking is `tsc --noEmit`'s job, in `npm test`.
 */
"use strict";
// No V8 code cache (v8-compile-cache): on Node 20 it takes fresh cached data from V8 for every
// module and rewrites its whole multi-megabyte blob at every exit, and with the SDK modules synth
// defers (tools/synth/deferred-sdk-modules.ts) even a cache written once per module saves nothing
// measurable: V8 compiles lazily, and what start-up costs now is finding and reading the files.
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const Module = require("node:module");

const ROOT = path.resolve(__dirname, "..");
const CACHE = path.join(ROOT, "node_modules", ".cache", "mlops-cicd-ts");
let esbuild;

function compile(source, filename) {
  const key = crypto.createHash("sha256").update(filename).update("\0").update(source).digest("hex");
  const cached = path.join(CACHE, `${key}.js`);
  try {
    return fs.readFileSync(cached, "utf8");
  } catch {
    // Not cached yet.
  }
  esbuild ??= require("esbuild");
  const { code } = esbuild.transformSync(source, {
    loader: "ts",
    format: "cjs",
    target: "node20",
    sourcefile: filename,
    sourcemap: "inline",
  });
  try {
    fs.mkdirSync(CACHE, { recursive: true });
    const temporary = `${cached}.${process.pid}`;
    fs.writeFileSync(temporary, code);
    fs.renameSync(temporary, cached);
  } catch {
    // A read-only tree still works, just without the cache.
  }
  return code;
}

Module._extensions[".ts"] = function loadTypeScript(module, filename) {
  module._compile(compile(fs.readFileSync(filename, "utf8"), filename), filename);
};
// Stack traces point at the transpiled code; for TypeScript lines run with
// NODE_OPTIONS=--enable-source-maps (left off by default: it costs synth about 0.15 s).
