/**
 * Jest transform for this project's TypeScript: esbuild strips the types file by file, as
 * tools/register.js does for `npm run synth`. `tsc --noEmit` type-checks once in `npm test`, so
 * the tests need nothing more; on a clean clone, with jest's cache empty, this is what keeps the
 * first run from paying for a type-checking compiler per file.
 */
"use strict";
const crypto = require("node:crypto");
const esbuild = require("esbuild");

module.exports = {
  getCacheKey(source, filename) {
    return crypto.createHash("sha256").update(`esbuild ${esbuild.version}\0${filename}\0`).update(source).digest("hex");
  },
  process(source, filename) {
    const { code, map } = esbuild.transformSync(source, {
      loader: "ts",
      format: "cjs",
      target: "node20",
      sourcefile: filename,
      sourcemap: "external",
    });
    return { code, map };
  },
};
