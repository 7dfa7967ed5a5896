/**
 * Reading a file a user named: a regular file of a bounded size, or an error that says which it is
 * not. `/dev/zero`, a FIFO or a multi-gigabyte file would otherwise hang the command or abort it
 * with an out-of-memory crash instead of a message.
 */
import * as fs from "node:fs";

export class InputFileError extends Error {
  /** `file`: what it is not (`no such file`, `a directory, not a file`); the message names the file too. */
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = "InputFileError";
  }
}

export function readInputFile(file: string, maxBytes: number): string {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputFileError(file, code === "ENOENT" ? "no such file" : (error as Error).message);
  }
  if (stat.isDirectory()) throw new InputFileError(file, "a directory, not a file");
  if (!stat.isFile()) throw new InputFileError(file, "not a regular file (a device, a pipe or a socket)");
  if (stat.size > maxBytes) throw new InputFileError(file, `${stat.size} bytes, more than the ${maxBytes} this input may hold`);
  return fs.readFileSync(file, "utf8");
}
