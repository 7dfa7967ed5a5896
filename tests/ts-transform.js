/**
 * Jest transform for this project's TypeScript: esbuild strips the types file by file, as
 * tools/register.js does for `npm run synth`. `tsc --noEmit` type-checks once in `npm test`, so
 * the tests need nothing more; on a clean clone, with jest's cache empty, this is what keeps the
 * first run from paying for a type-checking compiler per file.
 *
 * A file that calls `jest.mock` also goes through jest's own hoisting plugin: the mock must be
 * registered before the file's imports load the module it replaces, as with every jest transform.
 */
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const esbuild = require("esbuild");

let babel;
/** A change to this file must not reuse what an earlier version of it wrote to jest's cache. */
const SELF = crypto.createHash("sha256").update(fs.readFileSync(__filename)).digest("hex");

module.exports = {
  getCacheKey(source, filename) {
    return crypto.createHash("sha256").update(`${SELF} esbuild ${esbuild.version}\0${filename}\0`).update(source).digest("hex");
  },
  process(source, filename) {
    const { code, map } = esbuild.transformSync(source, {
      loader: "ts",
      format: "cjs",
      target: "node20",
      sourcefile: filename,
      sourcemap: "external",
    });
    if (!source.includes("jest.mock(")) return { code, map };
    babel ??= require("@babel/core");
    const hoisted = babel.transformSync(code, {
      filename,
      babelrc: false,
      configFile: false,
      plugins: [require.resolve("babel-plugin-jest-hoist")],
      inputSourceMap: JSON.parse(map),
      sourceMaps: true,
    });
    return { code: hoisted.code, map: hoisted.map };
  },
};
