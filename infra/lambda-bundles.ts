/**
 * Where the Lambda functions' committed bundles live. Apart from the components that deploy them
 * (database-provisioner.ts, metrics-function.ts) so the tools that build and check the bundles,
 * and the workflow renderer beside them, load no Pulumi SDK.
 */
import * as path from "node:path";

/** The provisioner's bundle, built from database/provisioner/handler.ts by `npm run gen` and committed. */
export const PROVISIONER_BUNDLE = path.join(__dirname, "database", "provisioner", "__bundle__", "index.js");

/**
 * The metrics function's bundle, built from monitor/function/handler.ts (the `mlops-monitor`
 * command's Lambda entry) by `npm run gen:functions` and committed: the program uploads the file,
 * it never loads the command's code.
 */
export const METRICS_FUNCTION_BUNDLE = path.join(__dirname, "monitoring", "__bundle__", "index.js");
