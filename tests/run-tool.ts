/**
 * Runs one of the project's commands (`tools/...ts`) as `npm run` does: a fresh node with the
 * TypeScript require hook, from the repository root unless told otherwise.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const REGISTER = path.join(ROOT, "tools", "register.js");

export interface ToolResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `node -r tools/register.js tools/<script> ...args`, its exit code and output. */
export function runTool(script: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ToolResult {
  const result = spawnSync(process.execPath, ["-r", REGISTER, path.join(ROOT, "tools", script), ...args], {
    cwd: options.cwd ?? ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    ...(options.env ? { env: options.env } : {}),
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
