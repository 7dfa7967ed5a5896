/**
 * With MLOPS_ASSERTION_LOG naming a file, every test appends how many `expect` calls it made:
 * `npm run bench` sums them, so a faster suite can be seen to assert no less than before.
 * Without the variable this file does nothing.
 */
/* global afterEach, expect -- jest globals: this file runs in every test file's environment */
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const log = process.env.MLOPS_ASSERTION_LOG;
if (log) {
  afterEach(() => {
    const { assertionCalls, currentTestName, testPath } = expect.getState();
    const where = path.relative(path.resolve(__dirname, ".."), testPath ?? "");
    fs.appendFileSync(log, `${assertionCalls}\t${where}\t${JSON.stringify(currentTestName)}\n`);
  });
}
