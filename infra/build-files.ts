/**
 * Files the program renders into container build contexts (the Grafana image's provisioning and
 * dashboards). Components add them while the program runs; the image builds read them, and offline
 * synth writes them under `build/<image>/` so they can be read without building anything.
 */

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
