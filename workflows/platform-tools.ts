/**
 * Platform commands committed to the application repository as bundles, and how workflows call
 * them. The bundles are built by tools/platform-bundle.ts into workflows/__rendered__/platform/.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { RepositoryFileSpec } from "../contracts/repository-files";

export interface PlatformTool {
  /** Source module, relative to this repository's root. */
  readonly entryPoint: string;
  readonly fileName: string;
}

export const PLATFORM_TOOLS: readonly PlatformTool[] = Object.freeze([
  { entryPoint: "monitor/bin.ts", fileName: "mlops-monitor.cjs" },
  { entryPoint: "loadtest/bin.ts", fileName: "mlops-load-test.cjs" },
]);

/** Where the bundles live in the application repository. */
export const PLATFORM_TOOLS_DIR = ".github/mlops-platform";
export const BUNDLE_DIR = path.join(__dirname, "__rendered__", "platform");

/** The shell words that run a platform tool in a workflow step. */
export function platformCommand(fileName: string): string {
  return `node ${PLATFORM_TOOLS_DIR}/${fileName}`;
}

/** The committed bundles, as the program commits them. */
export function platformToolFiles(): RepositoryFileSpec[] {
  return PLATFORM_TOOLS.map((tool) => ({
    path: `${PLATFORM_TOOLS_DIR}/${tool.fileName}`,
    content: fs.readFileSync(path.join(BUNDLE_DIR, tool.fileName), "utf8"),
  }));
}
