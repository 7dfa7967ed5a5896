import * as fs from "node:fs";
import { parse } from "yaml";
import { CONFIG_KEYS } from "../infra/config-schema";
import * as path from "node:path";
import * as ts from "typescript";
import { PULUMI_YAML, renderPulumiYaml } from "../tools/pulumi-yaml";

describe("Pulumi.yaml", () => {
  it("is the rendering of infra/config-schema.ts (run `npm run gen:pulumi-yaml` after changing the schema)", () => {
    expect(fs.readFileSync(PULUMI_YAML, "utf8")).toBe(renderPulumiYaml());
  });

  it("runs infra/ with TypeScript and forbids default providers", () => {
    const project = parse(fs.readFileSync(PULUMI_YAML, "utf8")) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a parsed YAML document
    expect(project.name).toBe("mlops-cicd");
    expect(project.main).toBe("infra/");
    expect(project.runtime).toEqual({ name: "nodejs", options: { typescript: true, packagemanager: "npm", tsconfig: "../tsconfig.pulumi.json" } });
    expect(project.config["pulumi:disable-default-providers"]).toEqual({ value: ["*"] });
  });

  it("compiles the program with the project's tsconfig.json, transpile-only, found from the directory the engine runs it in", () => {
    const project = parse(fs.readFileSync(PULUMI_YAML, "utf8")) as { main: string; runtime: { options: { tsconfig: string } } };
    // The engine's working directory is `main`; ts-node resolves `tsconfig` from there.
    const resolved = path.resolve(path.dirname(PULUMI_YAML), project.main, project.runtime.options.tsconfig);
    expect(resolved).toBe(path.resolve(path.dirname(PULUMI_YAML), "tsconfig.pulumi.json"));
    // tsconfig files hold comments: read them as TypeScript does.
    const read = (file: string) => ts.parseConfigFileTextToJson(file, fs.readFileSync(file, "utf8")).config as { extends?: string; compilerOptions: Record<string, unknown> };
    const engine = read(resolved);
    // The engine reads `noCheck` from this file alone (it does not follow `extends`): it must be here.
    expect(engine).toEqual({ extends: "./tsconfig.json", compilerOptions: { noCheck: true } });
    expect(read(path.resolve(path.dirname(resolved), engine.extends as string)).compilerOptions).toMatchObject({ strict: true, module: "commonjs", noUnusedLocals: true });
  });

  it("documents every project key with its type, and declares required secrets secret", () => {
    const project = parse(fs.readFileSync(PULUMI_YAML, "utf8")) as { config: Record<string, Record<string, unknown>> };
    for (const spec of CONFIG_KEYS.filter((entry) => !entry.key.includes(":"))) {
      const declared = project.config[spec.key];
      expect(declared).toMatchObject({ type: spec.type, description: spec.description });
      expect(declared?.secret).toBe(spec.secret === "required" ? true : undefined);
      // Pulumi applies a default as a plain value: a secret with `secret: true` must have none.
      if (declared?.secret) expect(declared.default).toBeUndefined();
    }
  });
});
