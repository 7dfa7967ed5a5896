/**
 * Jest transform for the ES-module packages the tests load (@actions/workflow-parser and its
 * expressions library): esbuild rewrites them to CommonJS, which also turns their JSON imports
 * (written without import attributes) into plain `require`s.
 */
"use strict";
const esbuild = require("esbuild");

module.exports = {
  process(source, filename) {
    const { code } = esbuild.transformSync(source, { loader: "js", format: "cjs", target: "node20", sourcefile: filename });
    return { code };
  },
};
