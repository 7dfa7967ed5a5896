/**
 * `npm run gen:functions`: writes the database provisioner's Lambda bundle to
 * infra/database/provisioner/__bundle__/index.js. It is committed so `pulumi up` deploys exactly
 * the reviewed code with production dependencies only; a test fails when it is stale.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PROVISIONER_BUNDLE } from "../infra/database/database-provisioner";
import { bundleProvisioner } from "./platform-bundle";

if (require.main === module) {
  const code = bundleProvisioner();
  fs.mkdirSync(path.dirname(PROVISIONER_BUNDLE), { recursive: true });
  // Written beside and renamed: an interrupted run leaves the committed bundle as it was.
  const temporary = `${PROVISIONER_BUNDLE}.tmp-${process.pid}`;
  fs.writeFileSync(temporary, code);
  fs.renameSync(temporary, PROVISIONER_BUNDLE);
  process.stdout.write(`wrote ${path.relative(process.cwd(), PROVISIONER_BUNDLE)} (${code.length} bytes)\n`);
}
