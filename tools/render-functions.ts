/**
 * `npm run gen:functions`: writes each Lambda function's bundle (tools/platform-bundle.ts
 * LAMBDA_BUNDLES) beside its source, under `__bundle__/index.js`. They are committed so `pulumi up`
 * deploys exactly the reviewed code with production dependencies only; a test fails when one is stale.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { LAMBDA_BUNDLES, bundleLambda } from "./platform-bundle";

if (require.main === module) {
  for (const lambda of LAMBDA_BUNDLES) {
    const code = bundleLambda(lambda);
    fs.mkdirSync(path.dirname(lambda.bundlePath), { recursive: true });
    // Written beside and renamed: an interrupted run leaves the committed bundle as it was.
    const temporary = `${lambda.bundlePath}.tmp-${process.pid}`;
    fs.writeFileSync(temporary, code);
    fs.renameSync(temporary, lambda.bundlePath);
    process.stdout.write(`wrote ${path.relative(process.cwd(), lambda.bundlePath)} (${code.length} bytes)\n`);
  }
}
