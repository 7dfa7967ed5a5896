/**
 * Preloaded into a command under test (`node -r`): records every package a file of this
 * repository asks for while the command runs, and writes them to REQUIRE_LOG when it exits, one
 * `<requiring file>\t<package>` per line. Packages asking for packages are their own business.
 */
"use strict";
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");

const root = path.resolve(__dirname, "..", "..");
const log = process.env.REQUIRE_LOG;
const seen = new Set();
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const from = parent && parent.filename;
  const bare = !request.startsWith(".") && !path.isAbsolute(request) && !Module.isBuiltin(request);
  if (bare && from && from.startsWith(root + path.sep) && !from.includes(`${path.sep}node_modules${path.sep}`)) {
    seen.add(`${path.relative(root, from)}\t${request}`);
  }
  return resolve.call(this, request, parent, ...rest);
};
process.on("exit", () => {
  if (log) fs.writeFileSync(log, [...seen].sort().join("\n") + "\n");
});
