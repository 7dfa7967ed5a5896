/**
 * `npm run gen:images`: writes the rendered files of the images' build contexts that do not depend
 * on a stack (Grafana's provisioning and dashboards) into images/, where the Dockerfiles COPY them.
 */
import * as path from "node:path";
import { grafanaImageFiles } from "./grafana/image-files";
import { interruptionPoint, parseOptions, runCommand } from "./command-line";
import { OutputError, checkGeneratedTargets, replaceGeneratedDirectory } from "./output-dir";

export const IMAGES_DIR = path.resolve(__dirname, "..", "images");

/** Image → path in its build context → content. */
export function renderedImageFiles(): Map<string, Map<string, string>> {
  return new Map([["grafana", new Map(grafanaImageFiles().map((file) => [file.path, file.content]))]]);
}

const USAGE = "usage: npm run gen:images (renders the files the images' build contexts bake in; no options)";

/** Each rendered folder of each image replaced whole: an interrupt leaves the committed one or the new one. */
async function main(): Promise<number> {
  parseOptions(process.argv.slice(2), {}, USAGE);
  // Directory → its files, for every rendered folder of every image.
  const folders = new Map<string, Map<string, string>>();
  for (const [image, files] of renderedImageFiles()) {
    for (const [file, content] of files) {
      const [folder, ...rest] = file.split("/");
      if (!folder || rest.length === 0) throw new Error(`Rendered image file ${file} is not inside a folder.`);
      const dir = path.join(IMAGES_DIR, image, folder);
      if (!folders.has(dir)) folders.set(dir, new Map());
      folders.get(dir)?.set(rest.join("/"), content);
    }
  }
  checkGeneratedTargets({ dirs: [...folders.keys()] });
  await interruptionPoint();
  for (const [dir, contents] of folders) {
    replaceGeneratedDirectory(dir, contents);
    process.stdout.write(`wrote ${contents.size} files into ${path.relative(path.dirname(IMAGES_DIR), dir)}\n`);
  }
  return 0;
}

if (require.main === module) runCommand("gen:images", main, (err) => err instanceof OutputError);
