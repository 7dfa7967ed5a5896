#!/usr/bin/env node
// @ts-check
"use strict";

/**
 * A model API on loopback for the deploy job's load test in tests/deploy-paths.test.ts: its own
 * process, because the workflow runner runs each step synchronously and a server inside the test's
 * process would never answer. `ok` answers every prediction; `failing` answers 503. Prints the URL
 * it listens on, then serves until killed. It records the test-traffic header of each request in
 * the file named by its second argument, one line each.
 */
const fs = require("node:fs");
const http = require("node:http");

const [mode, headerLog] = process.argv.slice(2);
const server = http.createServer((request, response) => {
  request.resume();
  request.on("end", () => {
    if (headerLog) fs.appendFileSync(headerLog, `${request.method} ${request.url} ${request.headers["x-mlops-test-traffic"] ?? "-"}\n`);
    if (mode === "failing") response.writeHead(503).end("overloaded");
    else response.writeHead(200, { "Content-Type": "application/json" }).end('{"duration": 17.4, "model_version": "v1.2.3", "predictions": [17.4]}');
  });
});
server.listen(0, "127.0.0.1", () => {
  const address = /** @type {import("node:net").AddressInfo} */ (server.address());
  process.stdout.write(`http://127.0.0.1:${address.port}\n`);
});
