/**
 * Files the program renders into container build contexts (the Grafana image's provisioning and
 * dashboards). Components add them while the program runs; the image builds read them, and offline
 * synth writes them under `build/<image>/` so they can be read without building anything.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface BuildFile {
  /** The image whose build context holds the file, e.g. `grafana`. */
  readonly image: string;
  /** Path inside the build context. */
  readonly path: string;
  readonly content: string;
}

const registered: BuildFile[] = [];

export function addBuildFiles(image: string, files: readonly { readonly path: string; readonly content: string }[]): void {
  for (const file of files) {
    if (registered.some((entry) => entry.image === image && entry.path === file.path)) {
      throw new Error(`The build context of ${image} already has ${file.path}.`);
    }
    registered.push({ image, path: file.path, content: file.content });
  }
}

/** Everything registered so far, in path order. */
export function buildFiles(): readonly BuildFile[] {
  return [...registered].sort((a, b) => (`${a.image}/${a.path}` < `${b.image}/${b.path}` ? -1 : 1));
}

/** The files under `folders` of a build context, relative to it, in path order. */
export function readRenderedFiles(context: string, folders: readonly string[]): { path: string; content: string }[] {
  const walk = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));
  return folders
    .flatMap((folder) => walk(path.join(context, folder)))
    .map((file) => ({ path: path.relative(context, file).split(path.sep).join("/"), content: fs.readFileSync(file, "utf8") }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
}
