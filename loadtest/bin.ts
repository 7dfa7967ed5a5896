/**
 * The entry point of the `mlops-load-test` bundle (workflows/__rendered__/platform/mlops-load-test.cjs,
 * built by `npm run gen:workflows`), run by deploy-service.yml with the runner's Node.js.
 */
import { runLoadTestCommand } from "./command";

const print = (line: string) => process.stdout.write(`${line}\n`);

runLoadTestCommand(process.argv.slice(2), { env: process.env, print }).then(
  (code) => process.exit(code),
  (error: unknown) => {
    print(`::error::mlops-load-test failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
