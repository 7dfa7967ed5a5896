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
  const ancestor = ancestorProblem(target);
  if (ancestor !== undefined) throw new OutputError(`Refusing to write ${options.command} output to ${shown}: ${ancestor}. Name a directory whose parents are directories.`);
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
  if (!carriesMark(target, options.command)) {
    const sample = entries.filter((entry) => entry !== OUTPUT_MARK).sort().slice(0, 3);
    throw new OutputError(
      `Refusing to write ${options.command} output to ${shown}: it holds files ${options.command} did not write (${sample.join(", ")}${entries.length > 3 ? ", …" : ""}). ` +
        `Name a new or empty directory, or remove ${shown} yourself if you mean to.`,
    );
  }
  return target;
}

/** The names of a swap's staging and retired directories (and a file's temporary): no one else's look like them. */
const SWAP_SUFFIX = /\.mlops-cicd-(tmp|old)-(\d+)$/;
const staged = (target: string, kind: "tmp" | "old") => `${target}.mlops-cicd-${kind}-${process.pid}`;

/** The mark's first line, which names the command: what ownership is checked by. */
const markLine = (command: string) => `mlops-cicd ${command}\n`;

/** Whether `dir` carries `command`'s mark; any command's when `command` is undefined (a generated directory). */
function carriesMark(dir: string, command: string | undefined): boolean {
  if (command === undefined) return true;
  const mark = path.join(dir, OUTPUT_MARK);
  return fs.existsSync(mark) && fs.readFileSync(mark, "utf8").startsWith(markLine(command));
}

/** What runs that are no longer alive left beside `target` under the swap's names. */
function deadLeftovers(target: string): { readonly path: string; readonly kind: string }[] {
  const parent = path.dirname(target);
  if (!fs.existsSync(parent)) return [];
  return fs.readdirSync(parent).flatMap((entry) => {
    const match = SWAP_SUFFIX.exec(entry);
    if (match === null || entry !== `${path.basename(target)}${match[0]}`) return [];
    const pid = Number(match[2]);
    return pid !== process.pid && !isAlive(pid) ? [{ path: path.join(parent, entry), kind: match[1] as string }] : [];
  });
}

/**
 * Repairs what a run killed outright (SIGKILL, power loss) left beside `target`: a retired previous
 * output is put back when the target is missing, then staging and retired directories of dead runs
 * are removed. Only directories named by this module's swap (`<dir>.mlops-cicd-tmp-<pid>`,
 * `<dir>.mlops-cicd-old-<pid>`) and, for an owned output, carrying the command's mark are touched.
 */
function removeLeftovers(target: string, command: string | undefined): void {
  const ours = deadLeftovers(target).filter((leftover) => carriesMark(leftover.path, command));
  const retired = ours.find((leftover) => leftover.kind === "old");
  if (retired !== undefined && !fs.existsSync(target)) fs.renameSync(retired.path, target);
  for (const leftover of ours) if (fs.existsSync(leftover.path)) fs.rmSync(leftover.path, { recursive: true, force: true });
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
 * Writes `files` into a sibling staging directory and swaps it in for `target` with two renames,
 * all synchronously. `mark`: the ownership mark's text, written with the files.
 */
function swapIn(target: string, files: ReadonlyMap<string, string>, what: string, mark: string | undefined): void {
  const staging = staged(target, "tmp");
  const retired = staged(target, "old");
  try {
    fs.mkdirSync(staging, { recursive: true });
    if (mark !== undefined) fs.writeFileSync(path.join(staging, OUTPUT_MARK), mark);
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
    if (code === "EACCES" || code === "EROFS" || code === "ENOSPC" || code === "ENOTDIR" || code === "EEXIST" || code === "EISDIR") {
      throw new OutputError(`Cannot write ${what}: ${(error as Error).message}. Nothing was changed there.`);
    }
    throw error;
  }
}

/**
 * Replaces `dir` with exactly `files` (paths relative to it, `/`-separated) plus the mark, after
 * checkOutputDirectory. Synchronous from the first write to the swap.
 */
export function replaceOwnedDirectory(dir: string, files: ReadonlyMap<string, string>, options: OwnedDirectoryOptions): void {
  const target = checkOutputDirectory(dir, options);
  removeLeftovers(target, options.command);
  const mark = `${markLine(options.command)}This directory is written whole by \`${options.command}\`, which replaces it on every run: do not keep files here.\n`;
  swapIn(target, files, `${options.command} output to ${JSON.stringify(dir)}`, mark);
}

/** The nearest existing ancestor of `target` (not itself) must be a directory: a file there is ENOTDIR halfway. */
function ancestorProblem(target: string): string | undefined {
  let current = path.dirname(target);
  while (!fs.existsSync(current)) {
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
  return fs.statSync(current).isDirectory() ? undefined : `${current} is a file where a directory goes`;
}

/**
 * Checks every target of a generator before it writes any: directories that must not be files,
 * files that must not be directories, and no file where a parent directory goes. Throws one
 * OutputError naming every problem; nothing has been changed when it does.
 */
export function checkGeneratedTargets(targets: { readonly dirs?: readonly string[]; readonly files?: readonly string[] }): void {
  const problems: string[] = [];
  for (const dir of targets.dirs ?? []) {
    if (fs.existsSync(dir) && !fs.lstatSync(dir).isDirectory()) problems.push(`${dir} is a file where the rendering's directory goes`);
    const ancestor = ancestorProblem(dir);
    if (ancestor !== undefined) problems.push(ancestor);
  }
  for (const file of targets.files ?? []) {
    if (fs.existsSync(file) && fs.lstatSync(file).isDirectory()) problems.push(`${file} is a directory where a generated file goes`);
    const ancestor = ancestorProblem(file);
    if (ancestor !== undefined) problems.push(ancestor);
  }
  const unique = [...new Set(problems)];
  if (unique.length > 0) throw new OutputError(`Nothing was written: ${unique.join("; ")}. Move ${unique.length === 1 ? "it" : "them"} away and run again.`);
}

/**
 * Replaces a directory of the checkout that only the generator writes (a fixed path, committed
 * without a mark), whole: an interrupt leaves the committed rendering or the new one.
 */
export function replaceGeneratedDirectory(dir: string, files: ReadonlyMap<string, string>): void {
  const target = path.resolve(dir);
  checkGeneratedTargets({ dirs: [target] });
  removeLeftovers(target, undefined);
  swapIn(target, files, target, undefined);
}

/**
 * Writes generated files of the checkout, each replaced whole (written beside, then renamed), after
 * checking every target: a bad one changes nothing.
 */
export function writeGeneratedFiles(files: ReadonlyMap<string, string>): void {
  checkGeneratedTargets({ files: [...files.keys()] });
  for (const [file, content] of files) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // A temporary of a run killed outright, before its rename.
    for (const leftover of deadLeftovers(file)) fs.rmSync(leftover.path, { force: true });
    const temporary = staged(file, "tmp");
    fs.writeFileSync(temporary, content);
    fs.renameSync(temporary, file);
  }
}
