/**
 * jest globalSetup: makes the PGlite template data directory before the workers start, so that
 * parallel workers do not each run initdb the first time. The tests make it themselves when it is
 * missing; this only moves the work.
 */
"use strict";
const { pgliteTemplate } = require("./pglite-template");

module.exports = async () => {
  await pgliteTemplate();
};
