import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { InputFileError, readInputFile } from "../../infra/input-file";
import { findConfigKey } from "../../infra/config-schema";
import { qualifiedKey } from "../../contracts/project";

/**
 * Config as the Pulumi CLI hands it to a program: project defaults applied, every value a string
 * (lists and maps as JSON), and the list of keys whose values were stored encrypted.
 */
export interface ResolvedConfig {
  readonly project: string;
  readonly values: Readonly<Record<string, string>>;
  readonly secretKeys: readonly string[];
  /** Keys whose `secure:` values synth could not decrypt and replaced with placeholders. */
  readonly encryptedKeys: readonly string[];
}

/** A stack file or project file synth cannot use; reported like bad config (exit 2). */
export class StackFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackFileError";
  }
}

interface ProjectFile {
  readonly name: string;
  readonly config: Record<string, unknown>;
}

export function readProjectFile(root: string): ProjectFile {
  const file = path.join(root, "Pulumi.yaml");
  const doc = parseYamlFile(file) as { name?: unknown; config?: unknown } | null;
  if (!doc || typeof doc.name !== "string") {
    throw new StackFileError(`${file} has no project \`name\`.`);
  }
  return { name: doc.name, config: isRecord(doc.config) ? doc.config : {} };
}

/** The stacks that have a `Pulumi.<stack>.yaml` beside Pulumi.yaml. */
export function knownStacks(root: string): string[] {
  return fs
    .readdirSync(root)
    .map((entry) => /^Pulumi\.(.+)\.yaml$/.exec(entry)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
}

/**
 * Reads the project and stack files the way the Pulumi CLI does, except that encrypted values are
 * replaced by placeholders: offline synth never has, or needs, the passphrase.
 */
export function resolveStackConfig(root: string, stack: string, configFile?: string): ResolvedConfig {
  const project = readProjectFile(root);
  const stackFile = configFile ?? path.join(root, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(stackFile)) {
    const stacks = knownStacks(root);
    throw new StackFileError(
      `No stack file ${stackFile}. Known stacks: ${stacks.length > 0 ? stacks.join(", ") : "none"}; ` +
        `pass one with --stack, or a file with --config-file.`,
    );
  }
  const doc = parseYamlFile(stackFile) as { config?: unknown } | null;
  const stackConfig = doc?.config ?? {};
  if (!isRecord(stackConfig)) {
    throw new StackFileError(`${stackFile}: \`config\` must be a map of keys to values.`);
  }

  const values: Record<string, string> = {};
  const secretKeys = new Set<string>();
  const encryptedKeys = new Set<string>();

  for (const [key, declared] of Object.entries(project.config)) {
    const qualified = qualifiedKey(key.includes(":") ? key : `${project.name}:${key}`);
    // A structured declaration carries `default`; anything else is the value itself.
    const value = isRecord(declared) && ("type" in declared || "default" in declared || "value" in declared)
      ? (declared.value ?? declared.default)
      : declared;
    if (value !== undefined) values[qualified] = toConfigString(value);
  }

  for (const [key, raw] of Object.entries(stackConfig)) {
    if (!key.includes(":")) {
      throw new StackFileError(
        `${stackFile}: config key \`${key}\` has no namespace. Write it as \`${project.name}:${key}\`.`,
      );
    }
    const { value, encrypted } = decryptOffline(key, raw);
    values[key] = toConfigString(value);
    if (encrypted) {
      secretKeys.add(key);
      encryptedKeys.add(key);
    }
  }

  return {
    project: project.name,
    values: sortKeys(values),
    secretKeys: [...secretKeys].sort(),
    encryptedKeys: [...encryptedKeys].sort(),
  };
}

/** Swaps `{secure: ...}` (anywhere in the value) for the key's placeholder. */
function decryptOffline(key: string, raw: unknown): { value: unknown; encrypted: boolean } {
  let encrypted = false;
  const walk = (node: unknown): unknown => {
    if (isRecord(node) && Object.keys(node).length === 1 && typeof node.secure === "string") {
      encrypted = true;
      return findConfigKey(key)?.placeholder ?? `synth-placeholder-for-${key}`;
    }
    if (Array.isArray(node)) return node.map(walk);
    if (isRecord(node)) return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
    return node;
  };
  const value = walk(raw);
  return { value, encrypted };
}

/** How the CLI passes values to a program: strings as they are, everything else as JSON. */
function toConfigString(value: unknown): string {
  // YAML reads 1e400 as Infinity, which JSON would turn into "null": keep what it became.
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return typeof value === "string" ? value : JSON.stringify(value);
}

function parseYamlFile(file: string): unknown {
  let text: string;
  try {
    // A stack file is a page of YAML: a megabyte is far more than one holds.
    text = readInputFile(file, 1024 * 1024);
  } catch (err) {
    throw new StackFileError(`Cannot read ${err instanceof InputFileError ? err.message : `${file}: ${(err as Error).message}`}`);
  }
  try {
    return parse(text);
  } catch (err) {
    throw new StackFileError(`${file} is not valid YAML: ${(err as Error).message}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
