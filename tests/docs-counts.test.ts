/**
 * The numbers the docs state in words, against what the program has: a workflow added or removed
 * must change the sentences that count them, or this fails naming the sentence.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { offlineStackConfig } from "../tools/render-workflows";
import { applicationRepositoryFiles, applicationWorkflows } from "../workflows";

const ROOT = path.resolve(__dirname, "..");
const WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"];
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8").replace(/\s+/g, " ");

function inWords(count: number): string {
  const word = WORDS[count];
  if (word === undefined) throw new Error(`No word for ${count}: extend WORDS.`);
  return word;
}

const layout = offlineStackConfig("production").application;
const applicationCount = applicationWorkflows(layout).length;
// CODEOWNERS and dependabot.yml are committed beside the rendered files, one commit each.
const firstUpCommits = applicationRepositoryFiles(layout).length + 2;
const ownCount = fs.readdirSync(path.join(ROOT, ".github", "workflows")).filter((file) => file.endsWith(".yml")).length;

describe("counts in the docs", () => {
  it.each([
    ["docs/delivery.md", `ships itself with ${inWords(ownCount)} workflows in \`.github/workflows/\``],
    ["docs/onboarding.md", `exactly these files: the ${inWords(applicationCount)} workflows`],
    ["docs/workflows.md", `makes ${inWords(firstUpCommits)} commits (CODEOWNERS, dependabot.yml, ${inWords(applicationCount)} workflows,`],
    ["docs/workflows.md", `The program commits exactly its files (the ${inWords(applicationCount)} workflows,`],
    ["docs/decisions/0001-stack-ownership.md", `dependabot.yml, the ${inWords(applicationCount)} workflows,`],
    ["README.md", `the application's ${inWords(applicationCount)} workflows as TypeScript`],
    ["README.md", `CODEOWNERS, dependabot.yml and the ${inWords(applicationCount)} workflows;`],
  ])("%s says: %s", (file, sentence) => {
    expect(read(file)).toContain(sentence);
  });

  it("counts what is there", () => {
    expect([applicationCount, ownCount, firstUpCommits]).toEqual([5, 6, 9]);
  });
});
