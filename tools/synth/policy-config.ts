/**
 * Checks a policy pack config (the JSON `pulumi preview --policy-pack-config` takes) against the pack:
 * the Pulumi CLI ignores a misspelt policy, level or property, so a typo would silently leave a
 * mandatory policy mandatory, or an opt-in off. Every problem is named, with the likely meant word.
 */
import type { PolicyConfigSchema } from "@pulumi/policy";
import { closestMatch } from "../../infra/validation";

export const ENFORCEMENT_LEVELS = ["advisory", "mandatory", "remediate", "disabled"] as const;

export interface ConfigurablePolicy {
  readonly name: string;
  readonly configSchema?: PolicyConfigSchema;
}

const suggest = (word: string, candidates: readonly string[]) => {
  const meant = closestMatch(word, candidates);
  return meant === undefined ? "" : ` Did you mean "${meant}"?`;
};

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function levelProblems(where: string, level: unknown): string[] {
  if (typeof level === "string" && (ENFORCEMENT_LEVELS as readonly string[]).includes(level)) return [];
  return [`${where}: the enforcement level must be one of ${ENFORCEMENT_LEVELS.join(", ")}, got ${JSON.stringify(level)}.${typeof level === "string" ? suggest(level, ENFORCEMENT_LEVELS) : ""}`];
}

/** Every problem of `config` against `policies`; empty when the config is usable. */
export function policyConfigProblems(config: unknown, policies: readonly ConfigurablePolicy[]): string[] {
  if (config === null || typeof config !== "object" || Array.isArray(config)) return ["it must be a JSON object keyed by policy name."];
  const names = policies.map((policy) => policy.name);
  const problems: string[] = [];
  for (const [name, entry] of Object.entries(config as Record<string, unknown>)) {
    const policy = policies.find((candidate) => candidate.name === name);
    if (name !== "all" && policy === undefined) {
      problems.push(`"${name}" is not a policy of the pack.${suggest(name, names)} Policies: ${names.join(", ")}.`);
      continue;
    }
    if (typeof entry === "string") {
      problems.push(...levelProblems(`"${name}"`, entry));
      continue;
    }
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
      problems.push(`"${name}" must be an enforcement level or an object, got ${JSON.stringify(entry)}.`);
      continue;
    }
    const properties = policy?.configSchema?.properties ?? {};
    for (const [property, value] of Object.entries(entry as Record<string, unknown>)) {
      if (property === "enforcementLevel") {
        problems.push(...levelProblems(`"${name}"`, value));
        continue;
      }
      const schema = properties[property] as { type?: string } | undefined;
      if (schema === undefined) {
        const known = Object.keys(properties);
        problems.push(
          `"${name}" has no property "${property}".${suggest(property, ["enforcementLevel", ...known])} ` +
            `It takes ${["enforcementLevel", ...known].map((key) => `"${key}"`).join(", ")}.`,
        );
        continue;
      }
      const actual = typeOf(value);
      const matches = schema.type === undefined || actual === schema.type || (schema.type === "number" && actual === "integer");
      if (!matches) problems.push(`"${name}.${property}" must be a JSON ${schema.type}, got ${JSON.stringify(value)} (${actual}).`);
    }
  }
  return problems;
}
