/**
 * Preloaded into a command under test (`node -r`): compiles TypeScript the way the Pulumi engine's
 * Node.js host does for this project (@pulumi/pulumi/cmd/run/run.js): the `typescript` and
 * `ts-node` its tsutils find from here (vendored copies when the project has none), transpile-only
 * when the project tsconfig named in Pulumi.yaml says `noCheck`, that tsconfig's compiler options
 * over the host's defaults.
 */
"use strict";
const path = require("node:path");
const fs = require("node:fs");
const { parse } = require("yaml");

const root = path.resolve(__dirname, "..", "..");
const project = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
const tsConfigPath = path.resolve(root, project.main, project.runtime.options.tsconfig);
const tsutils = require("@pulumi/pulumi/tsutils");
const compilerOptions = tsutils.loadTypeScriptCompilerOptions(tsConfigPath);
const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
if (process.env.ENGINE_TYPESCRIPT_LOG) {
  const ts = require(typescriptRequire);
  fs.writeFileSync(process.env.ENGINE_TYPESCRIPT_LOG, JSON.stringify({ typescript: ts.version, tsnode: tsnodeRequire, transpileOnly: compilerOptions.noCheck }));
}
require(tsnodeRequire).register({
  compiler: typescriptRequire,
  transpileOnly: compilerOptions.noCheck,
  project: tsConfigPath,
  skipProject: false,
  compilerOptions: { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: "true", ...compilerOptions },
});
