/**
 * What the pr-comment tests share: the fixtures in the engine's own shape (tests/fixtures/previews/)
 * and a check of the Markdown structure a cut in the wrong place would break.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type PreviewDigest, parsePreview } from "../tools/pr-comment";

export const ROOT = path.resolve(__dirname, "..");
const FIXTURES = path.join(ROOT, "tests", "fixtures", "previews");
/** What the secret fixture plants in every place a secret can hide. */
export const PLANTED = "PLANTED-SECRET-7f3a9c";

export const fixture = (name: string) => path.join(FIXTURES, name);
export const load = (name: string): PreviewDigest => parsePreview(fs.readFileSync(fixture(name), "utf8"));

/** Unclosed code fences and unbalanced `<details>`: what a cut in the wrong place leaves behind. */
export function structureProblems(markdown: string): string[] {
  const problems: string[] = [];
  let fence: string | undefined;
  let depth = 0;
  markdown.split("\n").forEach((line, index) => {
    if (fence) {
      if (new RegExp(`^${fence}\`*\\s*$`).test(line)) fence = undefined;
      return;
    }
    const opening = /^(`{3,})/.exec(line);
    if (opening) {
      fence = opening[1];
      return;
    }
    depth += (line.match(/<details( open)?>/g) ?? []).length - (line.match(/<\/details>/g) ?? []).length;
    if (depth < 0) problems.push(`line ${index + 1}: </details> without <details>`);
  });
  if (fence) problems.push("a code fence is never closed");
  if (depth > 0) problems.push(`${depth} <details> never closed`);
  return problems;
}
