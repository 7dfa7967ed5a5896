import * as path from "node:path";
import { findConfigKey } from "../../infra/config-schema";
import { qualifiedKey } from "../../contracts/project";
import { replaceOwnedDirectory } from "../output-dir";
import type { RecordedResource } from "./recording-monitor";
import type { SynthResult } from "./synthesize";
import { TOPOLOGY_LEGEND, topologyBlock } from "./topology";

/** JSON with object keys sorted at every level, two-space indented, newline-terminated. */
export function stableJson(value: unknown): string {
  const sort = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(sort);
    if (node !== null && typeof node === "object") {
      return Object.fromEntries(
        Object.keys(node as object)
          .sort()
          .map((key) => [key, sort((node as Record<string, unknown>)[key])]),
      );
    }
    return node;
  };
  return JSON.stringify(sort(value), null, 2) + "\n";
}

/** The bytes of every output file, by path relative to the output directory. */
export function renderSynthOutput(result: SynthResult): Map<string, string> {
  const files = new Map<string, string>();
  files.set(
    "resources.json",
    stableJson(
      result.resources.map(({ urn, type, name, parent, provider, dependsOn, inputs, options }) => ({
        urn,
        type,
        name,
        parent: parent ?? null,
        provider: provider ?? null,
        dependsOn,
        inputs,
        ...(Object.keys(options).length > 0 ? { options } : {}),
      })),
    ),
  );
  files.set("outputs.json", stableJson(result.outputs));
  // Already sorted by policy, resource and message; each violation's keys sorted by stableJson.
  files.set("policy.json", stableJson(result.policy));
  files.set("summary.md", renderSummary(result));
  for (const file of result.files) {
    files.set(path.posix.join("files", file.owner, file.repository, file.path), file.content);
  }
  return files;
}

/**
 * Writes the output directory whole or not at all, and only where synth may (tools/output-dir.ts):
 * a new or empty directory, or one an earlier synth wrote. `protectedDirs`: the checkout.
 */
export function writeSynthOutput(result: SynthResult, outDir: string, protectedDirs: readonly string[] = []): void {
  replaceOwnedDirectory(outDir, renderSynthOutput(result), { command: "synth", protectedDirs });
}

/** The top-level component (the ancestor right under the stack) a resource belongs to. */
function componentOf(byUrn: ReadonlyMap<string, RecordedResource>, urn: string): string {
  let current = byUrn.get(urn);
  while (current?.parent && byUrn.get(current.parent)?.type !== "pulumi:pulumi:Stack") {
    current = byUrn.get(current.parent);
  }
  return current ? `${current.type} ${current.name}` : "(stack)";
}

export function renderSummary(result: SynthResult): string {
  const lines: string[] = [];
  const custom = result.resources.filter((resource) => resource.custom);
  lines.push(`# Synth of stack \`${result.stack}\``, "");
  lines.push(
    `Project \`${result.project}\`, evaluated offline under Pulumi's mock runtime: no credentials, no network. ` +
      `IDs and looked-up values (user and team IDs) are stand-ins.`,
    "",
  );

  lines.push("## Topology", "", TOPOLOGY_LEGEND, "", ...topologyBlock(result.resources), "");

  lines.push(`## Resources by component (${custom.length} resources)`, "");
  lines.push("| Component | Type | Count |", "| --- | --- | ---: |");
  const counts = new Map<string, number>();
  const byUrn = new Map(result.resources.map((resource) => [resource.urn, resource]));
  for (const resource of custom) {
    const key = `${componentOf(byUrn, resource.urn)}\u0000${resource.type}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  for (const [key, count] of [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const [component, type] = key.split("\u0000");
    lines.push(`| ${component} | \`${type}\` | ${count} |`);
  }
  lines.push("");

  lines.push(`## Files committed (${result.files.length})`, "");
  if (result.files.length === 0) lines.push("None: this stack does not manage repository settings.");
  for (const file of result.files) lines.push(`- \`${file.owner}/${file.repository}\`: \`${file.path}\``);
  lines.push("");


  lines.push("## Operator secrets not set yet", "");
  if (result.missingSecrets.length === 0) lines.push("None.");
  for (const key of result.missingSecrets) {
    lines.push(`- \`${key}\`: a placeholder stands in. Before \`pulumi up\`: \`pulumi config set --secret ${key} <value>\`.`);
  }
  lines.push("");

  const warnings: string[] = [];
  for (const key of result.encryptedKeys) {
    warnings.push(`\`${key}\` is encrypted in the stack file; synth shows a placeholder instead of decrypting it.`);
  }
  for (const [key, value] of Object.entries(result.config.values)) {
    const spec = findConfigKey(key);
    const relevant = spec?.warnUnsetWhen !== undefined && result.config.values[qualifiedKey(spec.warnUnsetWhen)] === "true";
    if (spec?.secret === "optional" && value === "" && relevant) {
      warnings.push(`\`${key}\` is not set: ${spec.description}`);
    }
  }
  lines.push("## Warnings", "");
  if (warnings.length === 0) lines.push("None.");
  for (const warning of warnings) lines.push(`- ${warning}`);
  lines.push("");

  const mandatory = result.policy.filter((violation) => violation.level === "mandatory").length;
  lines.push(`## Policy (${mandatory} mandatory, ${result.policy.length - mandatory} advisory)`, "");
  lines.push("The guardrail pack in `policy/` (docs/policy.md) over this stack's resources; `policy.json` holds the same list.", "");
  if (result.policy.length === 0) lines.push("No violations.");
  for (const violation of result.policy) {
    lines.push(`- **${violation.level}** \`${violation.policy}\` on \`${violation.urn ?? "(stack)"}\`: ${violation.message}`);
  }
  lines.push("");
  return lines.join("\n");
}
