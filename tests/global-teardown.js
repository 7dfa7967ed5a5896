/** jest's global teardown: removes the shared program runs of tests/global-setup.js. */
"use strict";
const fs = require("node:fs");

module.exports = async function globalTeardown() {
  const cache = process.env.MLOPS_CICD_SYNTH_CACHE;
  if (cache) fs.rmSync(cache, { recursive: true, force: true });
  delete process.env.MLOPS_CICD_SYNTH_CACHE;
};
