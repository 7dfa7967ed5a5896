/**
 * Renders Pulumi.yaml from infra/config-schema.ts, so every config key is documented where the
 * Pulumi CLI reads it and defined in one place. `npm run gen:pulumi-yaml` writes it; a test fails
 * when the committed file differs.
 */
import * as path from "node:path";
import { interruptionPoint, parseOptions, runCommand } from "./command-line";
import { OutputError, writeGeneratedFiles } from "./output-dir";
import { stringify } from "yaml";
import { CONFIG_KEYS, declaredDefault } from "../infra/config-schema";
import { PROJECT_NAME } from "../contracts/project";

/** Where the program is, from Pulumi.yaml; the engine's working directory when it runs it. */
export const PROGRAM_DIRECTORY = "infra/";
/** The project's tsconfig.json, from PROGRAM_DIRECTORY: what the engine's ts-node compiles with. */
export const PROGRAM_TSCONFIG = "../tsconfig.pulumi.json";

export const PULUMI_YAML = path.resolve(__dirname, "../Pulumi.yaml");

export function renderPulumiYaml(): string {
  const providerKeys = CONFIG_KEYS.filter((spec) => spec.key.includes(":"));
  const projectKeys = CONFIG_KEYS.filter((spec) => !spec.key.includes(":"));

  const config: Record<string, unknown> = {
    // Every resource names its provider explicitly; a default provider would silently act for
    // whatever account the ambient credentials belong to.
    "pulumi:disable-default-providers": { value: ["*"] },
  };
  for (const spec of projectKeys) {
    config[spec.key] = {
      type: spec.type,
      ...(spec.type === "array" ? { items: { type: "string" } } : {}),
      description: spec.description,
      ...(spec.secret === "required" ? { secret: true } : {}),
      ...(declaredDefault(spec) !== undefined ? { default: declaredDefault(spec) } : {}),
    };
  }

  const header = [
    "# Generated from infra/config-schema.ts by `npm run gen:pulumi-yaml`: edit the schema, not this file.",
    "#",
    "# Provider keys, set in each stack file (Pulumi allows no schema for them here):",
    ...providerKeys.map((spec) => `#   ${spec.key} (${spec.type}, required): ${spec.description}`),
    "#",
    "# Keys without a default are required. Operator secrets without a default are declared",
    "# `secret: true`; optional ones default to \"\" and are checked to be encrypted when set.",
  ];
  const document = {
    name: PROJECT_NAME,
    description:
      "The CI/CD topology of an MLOps application: GitHub settings and workflows, runtime and delivery, as one Pulumi program.",
    // The engine runs the program from `main`, and ts-node looks for tsconfig.json there: without
    // this it would compile with its own lax defaults, not the strict settings `npm test` checks.
    runtime: { name: "nodejs", options: { typescript: true, packagemanager: "npm", tsconfig: PROGRAM_TSCONFIG } },
    main: PROGRAM_DIRECTORY,
    config,
  };
  return `${header.join("\n")}\n${stringify(document, { lineWidth: 0 })}`;
}

const USAGE = "usage: npm run gen:pulumi-yaml (renders Pulumi.yaml's config schema; no options)";

if (require.main === module) {
  runCommand(
    "gen:pulumi-yaml",
    async () => {
      parseOptions(process.argv.slice(2), {}, USAGE);
      const rendered = new Map([[PULUMI_YAML, renderPulumiYaml()]]);
      await interruptionPoint();
      writeGeneratedFiles(rendered);
      process.stdout.write(`wrote ${path.relative(process.cwd(), PULUMI_YAML)}\n`);
      return 0;
    },
    (err) => err instanceof OutputError,
  );
}
