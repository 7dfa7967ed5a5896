/**
 * `npm run gen:images`: writes the rendered files of the images' build contexts that do not depend
 * on a stack (Grafana's provisioning and dashboards) into images/, where the Dockerfiles COPY them.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { grafanaImageFiles } from "../infra/monitoring/grafana/image-files";

export const IMAGES_DIR = path.resolve(__dirname, "..", "images");

/** Image → path in its build context → content. */
export function renderedImageFiles(): Map<string, Map<string, string>> {
  return new Map([["grafana", new Map(grafanaImageFiles().map((file) => [file.path, file.content]))]]);
}

if (require.main === module) {
  for (const [image, files] of renderedImageFiles()) {
    for (const dir of ["provisioning", "dashboards"]) fs.rmSync(path.join(IMAGES_DIR, image, dir), { recursive: true, force: true });
    for (const [file, content] of files) {
      const target = path.join(IMAGES_DIR, image, file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content);
    }
    process.stdout.write(`wrote ${files.size} files into images/${image}\n`);
  }
}
