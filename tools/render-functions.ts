/**
 * `npm run gen:functions`: writes each Lambda function's bundle (tools/platform-bundle.ts
 * LAMBDA_BUNDLES) under `__bundle__/index.js` beside the component that deploys it. They are committed so `pulumi up`
 * deploys exactly the reviewed code with production dependencies only; a test fails when one is stale.
 */
import * as path from "node:path";
import { interruptionPoint, parseOptions, runCommand } from "./command-line";
import { OutputError, writeGeneratedFiles } from "./output-dir";

const USAGE = "usage: npm run gen:functions (bundles the Lambda functions' code; no options)";

if (require.main === module) {
  runCommand(
    "gen:functions",
    async () => {
      parseOptions(process.argv.slice(2), {}, USAGE);
      // Loaded only now: the bundles are named by the components that deploy them, which bring the
      // Pulumi SDK; --help and a usage error need none of it.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { LAMBDA_BUNDLES, bundleLambda } = require("./platform-bundle") as typeof import("./platform-bundle");
      // Every bundle built before any is written; each written beside and renamed.
      const bundles = new Map(LAMBDA_BUNDLES.map((lambda) => [lambda.bundlePath, bundleLambda(lambda)]));
      await interruptionPoint();
      writeGeneratedFiles(bundles);
      for (const [file, code] of bundles) process.stdout.write(`wrote ${path.relative(process.cwd(), file)} (${code.length} bytes)\n`);
      return 0;
    },
    (err) => err instanceof OutputError,
  );
}
