/**
 * How the project's commands write a directory of output: whole or not at all, and never over what
 * they did not write.
 *
 * - Ownership: a command writes into a directory that is new, empty, or marked as its own by an
 *   earlier run (a `.mlops-cicd-output` file naming the command). Anything else (a file, someone's
 *   folder, the checkout, a system directory) is refused with an OutputError before anything is
 *   touched: the caller prints it and exits 2.
 * - Atomicity: everything is written to a sibling staging directory, then swapped in with two
 *   renames. Both happen in one synchronous stretch, and the commands handle SIGINT, SIGTERM and
 *   SIGHUP on the event loop (tools/command-line.ts), so an interrupt lands before the swap (the old
 *   output stays) or after it (the new one is whole), never between. A run killed outright
 *   (SIGKILL, power loss) can leave a staging directory; the next run removes it.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** The file that marks a directory as a command's output. */
export const OUTPUT_MARK = ".mlops-cicd-output";

/** A target the command must not write to; the message says why and what to do instead. */
export class OutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OutputError";
  }
}

/** Kernel filesystems: writing there is never what the user meant, and can spin forever. */
const SYSTEM_ROOTS = ["/proc", "/sys", "/dev"];

/** The nearest existing ancestor of `target` (itself included), with symlinks resolved. */
function realAncestor(target: string): string {
  let current = target;
  while (!fs.existsSync(current)) {
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return fs.realpathSync(current);
}

function isWithin(inner: string, outer: string): boolean {
  const relative = path.relative(outer, inner);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

export interface OwnedDirectoryOptions {
  /** The command, as the mark and the messages name it (`synth`). */
  readonly command: string;
  /** Directories the output must never contain or replace (the checkout); the cwd always counts. */
  readonly protectedDirs?: readonly string[];
}

/** Every check, before anything is written. Returns the resolved target. */
export function checkOutputDirectory(dir: string, options: OwnedDirectoryOptions): string {
  const target = path.resolve(dir);
  const shown = JSON.stringify(dir);
  const real = realAncestor(target);
  const system = SYSTEM_ROOTS.find((root) => isWithin(real, root));
  if (system !== undefined) throw new OutputError(`Refusing to write ${options.command} output to ${shown}: it is under ${system}, which holds no files. Name a directory of your own.`);
  if (!fs.existsSync(target)) return target;
  for (const guarded of [process.cwd(), ...(options.protectedDirs ?? [])]) {
    if (fs.existsSync(guarded) && isWithin(fs.realpathSync(guarded), real)) {
      throw new OutputError(`Refusing to write ${options.command} output to ${shown}: replacing it would delete ${guarded}. Name a new directory, such as out/<stack>.`);
    }
  }
  const stat = fs.lstatSync(target);
  if (stat.isSymbolicLink()) throw new OutputError(`Refusing to write ${options.command} output to ${shown}: it is a symbolic link. Name the directory itself.`);
  if (!stat.isDirectory()) throw new OutputError(`Refusing to write ${options.command} output to ${shown}: it is a file, not a directory. Name a new directory.`);
  const entries = fs.readdirSync(target);
  if (entries.length === 0) return target;
  const mark = path.join(target, OUTPUT_MARK);
  const owner = fs.existsSync(mark) ? fs.readFileSync(mark, "utf8").split("\n")[0] : undefined;
  if (owner !== `mlops-cicd ${options.command}`) {
    const sample = entries.filter((entry) => entry !== OUTPUT_MARK).sort().slice(0, 3);
    throw new OutputError(
      `Refusing to write ${options.command} output to ${shown}: it holds files ${options.command} did not write (${sample.join(", ")}${entries.length > 3 ? ", …" : ""}). ` +
        `Name a new or empty directory, or remove ${shown} yourself if you mean to.`,
    );
  }
  return target;
}

/** Removes staging and retired directories left by runs that were killed outright. */
function removeLeftovers(target: string, command: string): void {
  const parent = path.dirname(target);
  if (!fs.existsSync(parent)) return;
  const pattern = new RegExp(`^${path.basename(target).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.(tmp|old)-(\\d+)$`);
  for (const entry of fs.readdirSync(parent)) {
    const match = pattern.exec(entry);
    if (!match) continue;
    const pid = Number(match[2]);
    if (pid !== process.pid && isAlive(pid)) continue;
    const leftover = path.join(parent, entry);
    // Only what carries this command's mark: a folder that merely looks like one is left alone.
    const mark = path.join(leftover, OUTPUT_MARK);
    if (fs.existsSync(mark) && fs.readFileSync(mark, "utf8").startsWith(`mlops-cicd ${command}`)) fs.rmSync(leftover, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Replaces `dir` with exactly `files` (paths relative to it, `/`-separated) plus the mark, after
 * checkOutputDirectory. Synchronous from the first write to the swap.
 */
export function replaceOwnedDirectory(dir: string, files: ReadonlyMap<string, string>, options: OwnedDirectoryOptions): void {
  const target = checkOutputDirectory(dir, options);
  removeLeftovers(target, options.command);
  const staging = `${target}.tmp-${process.pid}`;
  const retired = `${target}.old-${process.pid}`;
  const markText = `mlops-cicd ${options.command}\nThis directory is written whole by \`${options.command}\`, which replaces it on every run: do not keep files here.\n`;
  try {
    fs.mkdirSync(staging, { recursive: true });
    fs.writeFileSync(path.join(staging, OUTPUT_MARK), markText);
    for (const [relative, content] of files) {
      const file = path.resolve(staging, relative);
      if (!isWithin(file, staging) || file === staging) throw new OutputError(`Refusing to write ${relative}: it leaves the output directory.`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    }
    // The swap: the old output is renamed aside, the new one into place, the old one removed.
    const hadOutput = fs.existsSync(target);
    if (hadOutput) fs.renameSync(target, retired);
    fs.renameSync(staging, target);
    if (hadOutput) fs.rmSync(retired, { recursive: true, force: true });
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    if (error instanceof OutputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EROFS" || code === "ENOSPC" || code === "ENOTDIR" || code === "EEXIST") {
      throw new OutputError(`Cannot write ${options.command} output to ${JSON.stringify(dir)}: ${(error as Error).message}. Nothing was changed there.`);
    }
    throw error;
  }
}
