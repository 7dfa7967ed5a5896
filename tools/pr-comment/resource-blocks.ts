/**
 * One changed resource, and one committed file, as the comment's flexible blocks: from a line in
 * a list to its details in full, each form complete Markdown (fit.ts picks one).
 */
import { type Flexible, distinctForms } from "./fit";
import { codeBlock, details, escapeHtml, htmlCode, inlineCode, plural } from "./markdown";
import { opSymbol } from "./ops";
import { type FileChange, type PropertyChange, type ResourceChange, protectionChanged, protectionOp } from "./summarize";
import { renderHunks, unifiedDiff } from "./text-diff";
import { asDiffableText, formatValue, shorten } from "./values";

/** How much of a resource, and of a file, each detail level shows. */
const RESOURCE_SHORT = { properties: 25, value: 200, textLines: 20 };
const RESOURCE_FULL = { properties: 400, value: 2000, textLines: 400 };
const FILE_SHORT_LINES = 80;
const FILE_FULL_LINES = 5000;

function propertyLines(change: PropertyChange, limits: typeof RESOURCE_SHORT): string[] {
  const forces = change.forcesReplacement ? " (forces replacement)" : "";
  const symbol = change.kind === "add" ? "+" : change.kind === "delete" ? "-" : "~";
  if (change.isFileContent) return [`${symbol} ${change.path}: the file's diff is under "Committed files" below${forces}`];
  const show = (value: unknown) => formatValue(value, limits.value);
  if (change.kind === "add") return [`+ ${change.path}: ${show(change.after)}${forces}`];
  if (change.kind === "delete") return [`- ${change.path}: ${show(change.before)}${forces}`];
  const beforeText = asDiffableText(change.before);
  const afterText = asDiffableText(change.after);
  if (beforeText !== undefined && afterText !== undefined) {
    const diff = unifiedDiff(beforeText, afterText, 2);
    const { lines, omitted } = renderHunks(diff.hunks, limits.textLines);
    return [
      `~ ${change.path}: text, +${diff.added} -${diff.removed} lines${forces}`,
      ...lines.map((line) => shorten(line, limits.value)),
      ...(omitted > 0 ? [`  … ${omitted} more lines`] : []),
    ];
  }
  return [`~ ${change.path}: ${show(change.before)} → ${show(change.after)}${forces}`];
}

/** What the resource's line calls its change: an otherwise unchanged resource can gain or lose protection. */
function displayOp(change: ResourceChange): { op: string; symbol: string } {
  const protection = protectionOp(change);
  if (protection !== undefined) return { op: protection, symbol: "~" };
  return { op: change.op, symbol: opSymbol(change.op) };
}

function tags(change: ResourceChange): string {
  const dataLoss = change.dataCategory && (change.op === "replace" || change.op === "delete");
  return dataLoss ? ` ⚠️ ${change.dataCategory}` : "";
}

function resourceSummaryHtml(change: ResourceChange): string {
  const { op, symbol } = displayOp(change);
  return `${htmlCode(symbol)} <b>${escapeHtml(op)}</b> ${htmlCode(change.type)} ${htmlCode(change.name)}${escapeHtml(tags(change))}`;
}

function resourceLine(change: ResourceChange): string {
  const { op, symbol } = displayOp(change);
  return `- ${inlineCode(symbol)} **${escapeHtml(op)}** ${inlineCode(change.type)} ${inlineCode(change.name)}${tags(change)}`;
}

function resourceDetails(change: ResourceChange, limits: typeof RESOURCE_SHORT): string {
  const body: string[] = [`${inlineCode(change.urn)}${change.id ? `, id ${inlineCode(change.id)}` : ""}`];
  const distinctSteps = [...new Set(change.stepOps)];
  if (distinctSteps.length > 1) body.push(`Steps: ${distinctSteps.map(inlineCode).join(", ")}.`);
  if (change.replaceReasons.length) body.push(`Replaced because ${change.replaceReasons.map((reason) => inlineCode(reason)).join(", ")} changed.`);
  if (protectionChanged(change)) body.push(`Protection: \`${String(change.protect.before)}\` → \`${String(change.protect.after)}\`.`);
  const lines: string[] = [];
  const shown = change.properties.slice(0, limits.properties);
  for (const property of shown) lines.push(...propertyLines(property, limits));
  if (change.properties.length > shown.length) lines.push(`  … ${change.properties.length - shown.length} more properties`);
  if (lines.length) body.push(codeBlock(lines, "diff"));
  return details(resourceSummaryHtml(change), body.join("\n\n"));
}

export function resourceBlock(change: ResourceChange, rank: number): Flexible {
  return {
    group: "resource",
    rank,
    forms: distinctForms(["", resourceLine(change), resourceDetails(change, RESOURCE_SHORT), resourceDetails(change, RESOURCE_FULL)]),
  };
}

export const isWorkflowFile = (path: string) => /^\.github\/workflows\//.test(path);

export function fileBlock(change: ResourceChange, file: FileChange, rank: number): Flexible {
  const group = isWorkflowFile(file.path) ? "workflow-file" : "file";
  const name = inlineCode(file.path);
  if (file.unavailable) return { group, rank, forms: ["", `- ${name} (${change.op}): ${file.unavailable}.`] };
  const diff = unifiedDiff(file.before ?? "", file.after ?? "");
  if (diff.hunks.length === 0) return { group, rank, forms: ["", `- ${name} (${change.op}): the text does not change.`] };
  const what = file.before === undefined ? "new file" : file.after === undefined ? "deleted" : change.op === "replace" ? "replaced" : "changed";
  const summary = `${htmlCode(file.path)} ${escapeHtml(what)}, +${diff.added} −${diff.removed} lines`;
  const form = (maxLines: number) => {
    const { lines, omitted } = renderHunks(diff.hunks, maxLines);
    const notes = [
      ...(omitted > 0 ? [`${plural(omitted, "more diff line")} left out: the full diff is in the workflow run's log.`] : []),
      ...(diff.approximate ? ["The change is too large for a minimal diff: the old lines are shown removed and the new ones added."] : []),
    ];
    const body = [codeBlock(lines, "diff"), ...notes].join("\n\n");
    // Workflow changes are what this repository is about: open, so nobody has to click.
    return details(summary, body, group === "workflow-file");
  };
  return { group, rank, forms: distinctForms(["", form(FILE_SHORT_LINES), form(FILE_FULL_LINES)]) };
}
