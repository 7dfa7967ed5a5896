#!/usr/bin/env node
/**
 * A fake `aws` that answers `aws lambda invoke` by running a function's committed bundle in this
 * process (FAKE_LAMBDA_BUNDLE), as Lambda would: the payload as the event, the handler's answer
 * written to the outfile, a thrown error reported as FunctionError "Unhandled". The Secrets Manager
 * client comes from NODE_PATH (tests/fakes/lambda-sdk).
 */
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const args = process.argv.slice(2);
const option = (name) => args[args.indexOf(name) + 1];
if (args[0] !== "lambda" || args[1] !== "invoke" || option("--cli-binary-format") !== "raw-in-base64-out") {
  process.stderr.write(`fake aws: unsupported: ${args.join(" ")}\n`);
  process.exit(252);
}
if (option("--function-name") !== process.env.FAKE_LAMBDA_NAME) {
  process.stderr.write(`\nAn error occurred (ResourceNotFoundException) when calling the Invoke operation: Function not found: ${option("--function-name")}\n`);
  process.exit(254);
}
const payload = option("--payload");
const event = JSON.parse(fs.readFileSync(payload.replace(/^fileb:\/\//, ""), "utf8"));
const outfile = args.at(-1);
// Loaded from a copy outside the checkout, as Lambda loads it: the SDK is found only on NODE_PATH,
// never in this repository's node_modules.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-lambda-"));
fs.copyFileSync(process.env.FAKE_LAMBDA_BUNDLE, path.join(dir, "index.js"));
// The function's own log goes to CloudWatch in Lambda; here to stderr, never into the CLI's answer.
globalThis.console.log = (...words) => process.stderr.write(`${words.join(" ")}\n`);
const { handler } = require(path.join(dir, "index.js"));
fs.rmSync(dir, { recursive: true, force: true });
handler(event)
  .then(
    (answer) => {
      fs.writeFileSync(outfile, JSON.stringify(answer));
      process.stdout.write(JSON.stringify({ StatusCode: 200, ExecutedVersion: "$LATEST" }));
    },
    (error) => {
      fs.writeFileSync(outfile, JSON.stringify({ errorType: error.name, errorMessage: error.message }));
      process.stdout.write(JSON.stringify({ StatusCode: 200, FunctionError: "Unhandled", ExecutedVersion: "$LATEST" }));
    },
  );
