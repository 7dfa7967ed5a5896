/**
 * `npm run gen:images`: writes the rendered files of the images' build contexts that do not depend
 * on a stack (Grafana's provisioning and dashboards) into images/, where the Dockerfiles COPY them.
 */
import * as path from "node:path";
import { grafanaImageFiles } from "../infra/monitoring/grafana/image-files";
import { runCommand } from "./command-line";
import { OutputError, replaceGeneratedDirectory } from "./output-dir";

export const IMAGES_DIR = path.resolve(__dirname, "..", "images");

/** Image → path in its build context → content. */
export function renderedImageFiles(): Map<string, Map<string, string>> {
  return new Map([["grafana", new Map(grafanaImageFiles().map((file) => [file.path, file.content]))]]);
}

/** Each rendered folder of each image replaced whole: an interrupt leaves the committed one or the new one. */
function main(): number {
  const rendered = renderedImageFiles();
  for (const [image, files] of rendered) {
    const folders = new Map<string, Map<string, string>>();
    for (const [file, content] of files) {
      const [folder, ...rest] = file.split("/");
      if (!folder || rest.length === 0) throw new Error(`Rendered image file ${file} is not inside a folder.`);
      if (!folders.has(folder)) folders.set(folder, new Map());
      folders.get(folder)?.set(rest.join("/"), content);
    }
    for (const [folder, contents] of folders) replaceGeneratedDirectory(path.join(IMAGES_DIR, image, folder), contents);
    process.stdout.write(`wrote ${files.size} files into images/${image}\n`);
  }
  return 0;
}

if (require.main === module) runCommand("gen:images", main, (err) => err instanceof OutputError);
