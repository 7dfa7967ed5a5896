/**
 * tools/output-dir.ts, the one way the project's commands write directories and generated files:
 * refusals that touch nothing, and whole-or-nothing replacement under interrupts.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { OutputError, checkGeneratedTargets, checkOutputDirectory, replaceGeneratedDirectory, replaceOwnedDirectory, writeGeneratedFiles } from "../tools/output-dir";
import { runTool } from "./run-tool";

const ROOT = path.resolve(__dirname, "..");
let work: string;
beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "output-dir-"));
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

const tree = (dir: string): Record<string, string> => {
  const files: Record<string, string> = {};
  const walk = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else files[path.relative(dir, full)] = fs.readFileSync(full, "utf8");
    }
  };
  walk(dir);
  return files;
};

describe("refusals touch nothing", () => {
  it("a generated directory where a file stands", () => {
    const file = path.join(work, "rendered");
    fs.writeFileSync(file, "mine");
    expect(() => replaceGeneratedDirectory(file, new Map([["a.yml", "x"]]))).toThrow(
      new OutputError(`Nothing was written: ${file} is a file where the rendering's directory goes. Move it away and run again.`),
    );
    expect(fs.readFileSync(file, "utf8")).toBe("mine");
  });

  it("generated files when one target is a directory: none is written", () => {
    const first = path.join(work, "first.yml");
    fs.writeFileSync(first, "old");
    const second = path.join(work, "second.yml");
    fs.mkdirSync(second);
    expect(() => writeGeneratedFiles(new Map([[first, "new"], [second, "new"]]))).toThrow(
      `Nothing was written: ${second} is a directory where a generated file goes. Move it away and run again.`,
    );
    expect(fs.readFileSync(first, "utf8")).toBe("old");
  });

  it("an owned directory that holds the current directory, through a symbolic link too", () => {
    const link = path.join(work, "link");
    fs.symlinkSync(ROOT, link);
    expect(() => checkOutputDirectory(link, { command: "synth", protectedDirs: [ROOT] })).toThrow(/replacing it would delete/);
  });

  it("a path that leaves the output directory", () => {
    expect(() => replaceOwnedDirectory(path.join(work, "out"), new Map([["../escape.txt", "x"]]), { command: "synth" })).toThrow(
      "Refusing to write ../escape.txt: it leaves the output directory.",
    );
    expect(fs.readdirSync(work)).toEqual([]);
  });
});

it("checks every target before writing any: a file where a parent directory goes is named, nothing changed", () => {
  const blocker = path.join(work, "workflows");
  fs.writeFileSync(blocker, "a file");
  const dir = path.join(work, "rendered");
  expect(() => checkGeneratedTargets({ dirs: [dir], files: [path.join(blocker, "up.yml")] })).toThrow(
    `Nothing was written: ${blocker} is a file where a directory goes. Move it away and run again.`,
  );
  expect(fs.existsSync(dir)).toBe(false);
});

it("never touches a folder that only looks like a leftover", () => {
  const dir = path.join(work, "rendered");
  for (const name of ["rendered.old-2023", "rendered.tmp-1", "rendered.mlops-cicd-old-notanumber"]) {
    fs.mkdirSync(path.join(work, name));
    fs.writeFileSync(path.join(work, name, "notes.txt"), "precious");
  }
  replaceGeneratedDirectory(dir, new Map([["a.yml", "1"]]));
  expect(fs.readdirSync(work).sort()).toEqual(["rendered", "rendered.mlops-cicd-old-notanumber", "rendered.old-2023", "rendered.tmp-1"]);
});

it("replaces a generated directory whole, leaving nothing beside it", () => {
  const dir = path.join(work, "rendered");
  replaceGeneratedDirectory(dir, new Map([["a/one.yml", "1"], ["two.yml", "2"]]));
  replaceGeneratedDirectory(dir, new Map([["three.yml", "3"]]));
  expect(tree(dir)).toEqual({ "three.yml": "3" });
  expect(fs.readdirSync(work)).toEqual(["rendered"]);
});

it.each([
  ["SIGINT", 130],
  ["SIGTERM", 143],
  ["SIGHUP", 129],
] as const)("a %s during the work stops the command before its write, exit %i", async (signal, code) => {
  const target = path.join(work, "written.txt");
  const child = spawn(process.execPath, ["-r", path.join(ROOT, "tools", "register.js"), path.join(__dirname, "fixtures", "busy-then-write.ts"), target], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (status) => resolve(status)));
  await new Promise<void>((resolve) => child.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("working") && resolve()));
  // The signal lands while the work holds the process; closing its input then ends the work.
  child.kill(signal);
  child.stdin.end();
  expect(await exited).toBe(code);
  expect(fs.existsSync(target)).toBe(false);
  expect(stderr).toBe(`busy-then-write: interrupted (${signal}); every output is as it was before or complete, never partial.\n`);
}, 20_000);

describe("the gen commands, like every command, answer --help and refuse what they do not take", () => {
  const run = (script: string, args: string[]) => runTool(script, args);

  it.each(["render-workflows.ts", "render-images.ts", "pulumi-yaml.ts", "render-functions.ts", "render-diagrams.ts"])("%s --help: the usage, exit 0, nothing written", (script) => {
    const result = run(script, ["--help"]);
    expect({ status: result.code, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    expect(result.stdout).toMatch(/^usage: npm run gen:[a-z-]+ \(.+; no options\)\n$/);
  });

  it("refuses an option, writing nothing (exit 2)", () => {
    const result = run("render-images.ts", ["--out", "x"]);
    expect(result.code).toBe(2);
    expect(result.stderr.split("\n")[0]).toBe("Unknown option '--out'");
  });
});

describe("under interrupts: the old generation or the new one, whole, never neither", () => {
  const REGISTER = path.join(ROOT, "tools", "register.js");
  const SCRIPT = path.join(__dirname, "fixtures", "rewrite-forever.ts");

  // Delays count from the first generation in place, not from the start: on a busy machine the
  // child may take longer than any fixed delay just to load.
  it.each([
    ["SIGINT", 150],
    ["SIGTERM", 400],
    ["SIGHUP", 650],
    ["SIGKILL", 500],
  ] as const)("%s %i ms into the rewriting", async (signal, delay) => {
    const dir = path.join(work, "rendered");
    const child = spawn(process.execPath, ["-r", REGISTER, SCRIPT, dir], { stdio: ["ignore", "pipe", "ignore"] });
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    let written = 0;
    const first = new Promise<void>((resolve) =>
      child.stdout.on("data", (chunk: Buffer) => {
        written = Math.max(written, ...chunk.toString().trim().split("\n").map(Number));
        resolve();
      }),
    );
    await first;
    await new Promise((resolve) => setTimeout(resolve, delay));
    child.kill(signal);
    await exited;
    if (signal === "SIGKILL" && !fs.existsSync(dir)) {
      // Killed outright between the swap's two renames: the previous generation waits beside it,
      // and the next run puts it back before anything else.
      expect(fs.readdirSync(work).some((entry) => /^rendered\.mlops-cicd-old-\d+$/.test(entry))).toBe(true);
      replaceGeneratedDirectory(dir, new Map([["x", "y"]]));
      expect(fs.readdirSync(work)).toEqual(["rendered"]);
      return;
    }
    const files = tree(dir);
    const generations = new Set(Object.values(files).map((content) => content.split("\n")[0]));
    expect(Object.keys(files)).toHaveLength(40);
    expect(generations.size).toBe(1);
    expect(Number([...generations][0])).toBeGreaterThanOrEqual(written);
    const beside = fs.readdirSync(work).filter((entry) => entry !== "rendered");
    if (signal === "SIGKILL") {
      // Killed outright, it may leave its staging directory; the next run removes it.
      replaceGeneratedDirectory(dir, new Map([["x", "y"]]));
      expect(fs.readdirSync(work)).toEqual(["rendered"]);
    } else {
      expect(beside).toEqual([]);
    }
  }, 30_000);
});
