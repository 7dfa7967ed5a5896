/**
 * jest's global setup, before any worker starts:
 * - a folder where test files share the program runs they make (tests/harness.ts), so each
 *   distinct run is made once per `jest` run. Made fresh for every run and removed by
 *   tests/global-teardown.js: no result outlives the sources it came from.
 * - the PGlite template data directory (tests/pglite-template.js), so that parallel workers do not
 *   each run initdb the first time. The tests make it themselves when it is missing; this only
 *   moves the work.
 */
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { pgliteTemplate } = require("./pglite-template");

module.exports = async function globalSetup() {
  process.env.MLOPS_CICD_SYNTH_CACHE = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-cicd-synth-cache-"));
  await pgliteTemplate();
};
