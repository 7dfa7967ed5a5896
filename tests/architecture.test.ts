/**
 * The direction of dependency, in one sentence: `contracts/` (names, numbers and types both sides
 * need) imports nothing; `infra/`, `workflows/` and `policy/` import `contracts/` and themselves;
 * `infra/index.ts` alone joins infrastructure and workflows; `monitor/` and `loadtest/` (the
 * application's monitoring and load-test commands) may use `infra/`, never the reverse; nothing but
 * tests imports `tools/`.
 * And the program, from `infra/index.ts`, loads only production dependencies.
 *
 * Read from the sources' import statements (`npx jest tests/architecture.test.ts` is the check):
 * every import, type-only and dynamic ones too, for the direction between folders; the imports
 * that reach the compiled JavaScript for the program's packages.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { builtinModules } from "node:module";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..");
const FOLDERS = ["contracts", "infra", "workflows", "policy", "monitor", "loadtest", "tools"] as const;
type Folder = (typeof FOLDERS)[number];

/** Imports that reach the compiled JavaScript: `import type` and `export type` are erased. */
const IMPORT = /^\s*(?:import|export)\s+(?!type\b)(?:[^"';]*?\sfrom\s+)?["']([^"']+)["']|\brequire\(\s*["']([^"']+)["']\s*\)/gm;

function sources(folder: string): string[] {
  const found: string[] = [];
  const walk = (directory: string) => {
    for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules" && !entry.name.startsWith("__")) walk(full);
      } else if (/\.[cm]?[tj]s$/.test(entry.name) && !entry.name.endsWith(".d.ts")) {
        found.push(full);
      }
    }
  };
  walk(path.join(ROOT, folder));
  return found;
}

function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  return [...text.matchAll(IMPORT)].map((match) => match[1] ?? match[2]);
}

/** Every module a file names, as TypeScript's own scanner finds them: `import type`, `import()`, `require()`. */
function allImportsOf(file: string): string[] {
  return ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true).importedFiles.map((imported) => imported.fileName);
}

/** The file a relative import names, or undefined for a package. */
function resolveRelative(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [`${base}.ts`, path.join(base, "index.ts"), `${base}.js`, base]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`${path.relative(ROOT, from)} imports ${specifier}, which does not resolve to a file`);
}

const folderOf = (file: string) => path.relative(ROOT, file).split(path.sep)[0];

/** Every import that leaves its folder: `<file> -> <file>`. */
function crossings(): { from: string; to: string; fromFolder: string; toFolder: string }[] {
  const result: { from: string; to: string; fromFolder: string; toFolder: string }[] = [];
  for (const folder of FOLDERS) {
    for (const file of sources(folder)) {
      for (const specifier of allImportsOf(file)) {
        const target = resolveRelative(file, specifier);
        if (target === undefined) continue;
        const toFolder = folderOf(target);
        if (toFolder !== folder) result.push({ from: path.relative(ROOT, file), to: path.relative(ROOT, target), fromFolder: folder, toFolder });
      }
    }
  }
  return result;
}

/** Which folder may import which, beyond itself. */
const ALLOWED: Readonly<Record<Folder, readonly string[]>> = {
  contracts: [],
  infra: ["contracts"],
  workflows: ["contracts"],
  policy: ["contracts"],
  // The `mlops-monitor` command: application runtime code (the monitoring job, the metrics
  // function), bundled by tools; it uses infra's database helpers, and no infra file loads it.
  monitor: ["contracts", "infra"],
  // The `mlops-load-test` command the production deploy jobs run, bundled by tools like `mlops-monitor`.
  loadtest: ["contracts", "infra"],
  tools: ["contracts", "infra", "workflows", "policy", "monitor", "loadtest"],
};
/** The one file that joins infrastructure and workflows: the composition root. */
const JOINS = new Set(["infra/index.ts -> workflows/index.ts"]);

describe("the direction of dependency", () => {
  const edges = crossings();

  it("has each folder import only the folders it may, infra/index.ts the one join of infrastructure and workflows", () => {
    const forbidden = edges
      .filter(({ from, to, fromFolder, toFolder }) => !ALLOWED[fromFolder as Folder].includes(toFolder) && !JOINS.has(`${from} -> ${to}`))
      .map(({ from, to }) => `${from} -> ${to}`);
    expect(forbidden).toEqual([]);
    // The join is still there: the program renders the workflows it commits.
    expect(edges.map(({ from, to }) => `${from} -> ${to}`)).toEqual(expect.arrayContaining([...JOINS]));
  });

  it("keeps contracts/ a leaf: no package, no file outside it", () => {
    const imported = sources("contracts").flatMap((file) =>
      importsOf(file)
        .filter((specifier) => !specifier.startsWith("./"))
        .map((specifier) => `${path.relative(ROOT, file)}: ${specifier}`),
    );
    expect(imported).toEqual([]);
  });

  it("gives each shared contract one import path: nothing outside contracts/ passes its names on", () => {
    const passedOn = FOLDERS.filter((folder) => folder !== "contracts")
      .flatMap((folder) => sources(folder))
      .flatMap((file) => {
        const text = fs.readFileSync(file, "utf8");
        const fromContracts = new Set(
          [...text.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+"[^"]*contracts\/[^"]*"/g)].flatMap((match) =>
            (match[1] as string).split(",").map((name) => name.replace(/\btype\b/, "").trim()),
          ),
        );
        const reexports = [...text.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}(\s+from\s+"([^"]*)")?/g)].flatMap((match) =>
          match[3]?.includes("contracts/")
            ? [match[1] as string]
            : match[2] === undefined
              ? (match[1] as string).split(",").map((name) => name.replace(/\btype\b/, "").trim()).filter((name) => fromContracts.has(name))
              : [],
        );
        return reexports.map((names) => `${path.relative(ROOT, file)}: ${names.trim()}`);
      });
    expect(passedOn).toEqual([]);
  });

  it("has no cycle between folders", () => {
    const graph = new Map<string, Set<string>>();
    for (const { fromFolder, toFolder } of edges) graph.set(fromFolder, (graph.get(fromFolder) ?? new Set()).add(toFolder));
    const cycles: string[] = [];
    const visit = (node: string, trail: string[]) => {
      if (trail.includes(node)) {
        cycles.push([...trail.slice(trail.indexOf(node)), node].join(" -> "));
        return;
      }
      for (const next of graph.get(node) ?? []) visit(next, [...trail, node]);
    };
    for (const folder of FOLDERS) visit(folder, []);
    expect(cycles).toEqual([]);
  });
});

/**
 * The modules a file loads the moment it is imported: its import and export statements, type-only
 * ones aside. A `require` or `import()` inside a function loads when called, so it is not one.
 */
function loadedOnImport(file: string): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
  return source.statements.flatMap((statement) => {
    if (ts.isImportDeclaration(statement) && statement.importClause?.isTypeOnly !== true) return [(statement.moduleSpecifier as ts.StringLiteral).text];
    if (ts.isExportDeclaration(statement) && statement.moduleSpecifier !== undefined && !statement.isTypeOnly) return [(statement.moduleSpecifier as ts.StringLiteral).text];
    return [];
  });
}

/** Every package that importing `entry` loads, following its relative imports: package → first file to import it. */
function packagesLoadedOnImport(entry: string): Map<string, string> {
  const seen = new Set<string>();
  const packages = new Map<string, string>();
  const queue = [path.join(ROOT, entry)];
  while (queue.length) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of loadedOnImport(file)) {
      const target = resolveRelative(file, specifier);
      if (target !== undefined) {
        if (target.endsWith(".ts")) queue.push(target);
      } else if (!specifier.startsWith("node:")) {
        const name = specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0];
        if (!packages.has(name as string)) packages.set(name as string, path.relative(ROOT, file));
      }
    }
  }
  return packages;
}

describe("the workflow renderer", () => {
  it("loads no Pulumi package: the many suites that render workflows start without the SDK", () => {
    const pulumi = [...packagesLoadedOnImport("tools/render-workflows.ts")].filter(([name]) => name.startsWith("@pulumi/")).map(([name, file]) => `${name} (imported by ${file})`);
    expect(pulumi).toEqual([]);
    // The same walk from the program finds the SDK: the check above can fail.
    expect(packagesLoadedOnImport("infra/index.ts").get("@pulumi/pulumi")).toBeDefined();
  });
});

describe("the program's dependencies", () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
  const packageOf = (specifier: string) => (specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]);

  /** Every package the program's files import, following relative imports from infra/index.ts. */
  function programPackages(): Map<string, string> {
    const seen = new Set<string>();
    const packages = new Map<string, string>();
    const queue = [path.join(ROOT, "infra", "index.ts")];
    while (queue.length) {
      const file = queue.pop() as string;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const specifier of importsOf(file)) {
        const target = resolveRelative(file, specifier);
        if (target !== undefined) {
          if (target.endsWith(".ts")) queue.push(target);
        } else if (!builtins.has(specifier)) {
          packages.set(packageOf(specifier), path.relative(ROOT, file));
        }
      }
    }
    return packages;
  }

  it("loads nothing from devDependencies: `pulumi up` after a production-only install runs", () => {
    const outside = [...programPackages()].filter(([name]) => !(name in manifest.dependencies)).map(([name, file]) => `${name} (imported by ${file})`);
    expect(outside).toEqual([]);
  });

  it("follows the program far enough to see its providers", () => {
    expect([...programPackages().keys()]).toEqual(expect.arrayContaining(["@pulumi/pulumi", "@pulumi/aws", "@pulumi/github"]));
  });
});
