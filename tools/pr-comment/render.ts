/**
 * The pull-request comment as Markdown: the marker, data-bearing callouts, one summary per stack,
 * each changed resource collapsed, committed files as unified diffs, all under GitHub's limit.
 */
import { blastRadius, diagramSection } from "./blast-radius";
import { type Block, type Flexible, type Note, type Pass, assemble, distinctForms, fit } from "./fit";
import { LINE_ENDING, codeBlock, details, inlineCode, plural } from "./markdown";
import { weakenings } from "./weakening";
import { HEADLINE_OPS, compareOps, opLabel } from "./ops";
import { fileBlock, resourceBlock } from "./resource-blocks";
import type { SafeSummary } from "./safe-summary";
import { type Diagnostic, type FileChange, type ResourceChange, type StackSummary, protectionChanged } from "./summarize";
import { shorten } from "./values";
import { COMMENT_MARKER } from "../../contracts/pr-comment";


/** Opens a stack's section: exact per stack, since `-->` ends it (`dev` is not `dev-tokyo`). */
export function stackMarker(stack: string): string {
  return `<!-- mlops-cicd:preview:stack=${stack} -->`;
}

/** Whether a comment body is this tool's: its first line is exactly the marker. */
export function isPreviewComment(body: string): boolean {
  return body.split(LINE_ENDING, 1)[0] === COMMENT_MARKER;
}

/** GitHub refuses a comment body longer than this many characters (UTF-16 code units). */
export const GITHUB_COMMENT_LIMIT = 65_536;

/**
 * What this tool allows itself: under GitHub's limit with room for a line ending conversion or a
 * line the workflow adds.
 */
export const COMMENT_BUDGET = 60_000;

export interface CommentOptions {
  /** Where the full output is (the workflow run); named when details are left out. */
  readonly detailsUrl?: string;
  /** Characters the comment may use, the final newline included. @default COMMENT_BUDGET */
  readonly budget?: number;
}

/** How much of each kind of detail a rendering allows. */
interface Limits {
  readonly diagnostics: number;
  readonly diagnosticLength: number;
  readonly callouts: number;
}

const FULL: Limits = { diagnostics: 10, diagnosticLength: 3000, callouts: 40 };
/** When even the summaries do not fit with full diagnostics: many stacks, long stack traces. */
const COMPACT: Limits = { diagnostics: 3, diagnosticLength: 400, callouts: 10 };

/** Ranks of resources whose data is at stake come first; the rest start here. */
const ORDINARY_RANK = 1_000_000;

/**
 * Upgrades in order of what a reviewer needs most: workflow diffs (this repository's business) and
 * why data is at stake, each within a third of the room; the shape of the change (the blast radius,
 * folded, within a third); then what changes, the full picture, why, the rest.
 */
const PASSES: readonly Pass[] = [
  { group: "workflow-file", level: 1, share: 1 / 3 },
  { group: "resource", level: 2, share: 1 / 3, belowRank: ORDINARY_RANK },
  { group: "diagram", level: 1, share: 1 / 3 },
  { group: "resource", level: 1 },
  { group: "diagram", level: 2 },
  { group: "resource", level: 2 },
  { group: "file", level: 1 },
  { group: "warnings", level: 1 },
  { group: "workflow-file", level: 2 },
  { group: "resource", level: 3 },
  { group: "file", level: 2 },
];

/** The one-line comment when no stack changes. */
function noChanges(stacks: readonly StackSummary[]): string {
  const names = stacks.map((stack) => stack.stack).join(", ");
  return `${COMMENT_MARKER}\nNo changes: ${names} ${stacks.length === 1 ? "is" : "are"} up to date.\n`;
}

function otherCounts(stack: StackSummary): string[] {
  return [...stack.counts]
    .filter(([op, count]) => !(HEADLINE_OPS as readonly string[]).includes(op) && count > 0)
    .sort(([a], [b]) => compareOps(a, b))
    .map(([op, count]) => `${count} ${opLabel(op)}`);
}

function countsLine(stack: StackSummary): string {
  const headline = HEADLINE_OPS.map((op) => `${stack.counts.get(op) ?? 0} ${opLabel(op)}`).join(", ");
  const other = otherCounts(stack);
  return `**${headline}**${other.length ? `; also ${other.join(", ")}` : ""}.`;
}

function overview(stacks: readonly StackSummary[]): string {
  const rows = stacks.map((stack) => {
    const result = stack.failed ? "**failed**" : stack.hasChanges ? "changes" : "no changes";
    const cells = HEADLINE_OPS.map((op) => String(stack.counts.get(op) ?? 0));
    const other = otherCounts(stack);
    return `| ${inlineCode(stack.stack)} | ${result} | ${cells.join(" | ")} | ${other.length ? other.join(", ") : "–"} |`;
  });
  return [
    "| Stack | Result | Create | Update | Replace | Delete | Unchanged | Other |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ...rows,
  ].join("\n");
}

/** Entries of the data-bearing callout: replacements, deletions, removed protection and weakening updates. */
function calloutEntries(stacks: readonly SafeSummary[]): { entries: string[]; verbs: string[] } {
  const entries: string[] = [];
  const unprotected: string[] = [];
  const weakened: string[] = [];
  const verbs = new Set<string>();
  for (const stack of stacks) {
    for (const change of stack.changes) {
      const weakening = weakenings(change);
      if (weakening.length > 0) {
        weakened.push(`- ${inlineCode(stack.stack)}: **weakened** ${inlineCode(change.name)} (${inlineCode(change.type)}): ${weakening.join("; ")}`);
      }
      if (!change.dataCategory) continue;
      const what = `${change.dataCategory} ${inlineCode(change.name)} (${inlineCode(change.type)})`;
      if (change.op === "replace" || change.op === "delete") {
        const forcedBy = change.replaceReasons.length ? `, forced by ${change.replaceReasons.map((reason) => inlineCode(reason)).join(", ")}` : "";
        const guarded = change.protect.before ? " (protected: `pulumi up` refuses until the protection is removed)" : "";
        entries.push(`- ${inlineCode(stack.stack)}: **${change.op}** ${what}${forcedBy}${guarded}`);
        verbs.add(change.op === "replace" ? "replaced" : "deleted");
      } else if (protectionChanged(change) && change.protect.before) {
        unprotected.push(`- ${inlineCode(stack.stack)}: protection **removed** from ${what}`);
      }
    }
  }
  if (unprotected.length) verbs.add("unprotected");
  if (weakened.length) verbs.add("weakened");
  return { entries: [...entries, ...unprotected, ...weakened], verbs: ["replaced", "deleted", "unprotected", "weakened"].filter((verb) => verbs.has(verb)) };
}

function callout(stacks: readonly SafeSummary[], limits: Limits): string | undefined {
  const { entries, verbs } = calloutEntries(stacks);
  if (entries.length === 0) return undefined;
  const shown = entries.slice(0, limits.callouts);
  const more = entries.length - shown.length;
  const would = verbs.length > 1 ? `${verbs.slice(0, -1).join(", ")} or ${verbs[verbs.length - 1]}` : verbs[0];
  return [
    "> [!CAUTION]",
    `> **Data-bearing resources would be ${would}.** A replacement starts empty, a deletion destroys what the resource holds (data, a credential, a key, a backup, the repository's protection), and a weakened resource protects less. Make sure this is intended before merging.`,
    ">",
    ...shown.map((entry) => `> ${entry}`),
    ...(more > 0 ? [`> - and ${more} more: see each stack below.`] : []),
  ].join("\n");
}

function diagnosticLines(diagnostics: readonly Diagnostic[], limits: Limits): string[] {
  const lines: string[] = [];
  for (const diagnostic of diagnostics.slice(0, limits.diagnostics)) {
    const text = shorten(diagnostic.message, limits.diagnosticLength);
    lines.push(...(diagnostic.urn ? [`${diagnostic.urn}:`] : []), ...text.split(LINE_ENDING));
  }
  if (diagnostics.length > limits.diagnostics) lines.push(`… and ${diagnostics.length - limits.diagnostics} more: see the workflow run's log.`);
  return lines;
}

function stackHeader(stack: StackSummary): string {
  const status = stack.failed
    ? `**The preview failed** (${plural(stack.errors.length, "error")}): the counts cover only what it got to.`
    : stack.hasChanges
      ? undefined
      : "No changes.";
  return [stackMarker(stack.stack), `### Stack ${inlineCode(stack.stack)}`, "", countsLine(stack), ...(status ? ["", status] : [])].join("\n");
}

function warningsBlock(stack: StackSummary, rank: number): Flexible {
  const lines = diagnosticLines(stack.warnings, FULL);
  return { group: "warnings", rank, forms: ["", details(`${plural(stack.warnings.length, "warning")}`, codeBlock(lines, "text"))] };
}

/** What the blast radius became: a block to fit, or the one-line reason there is none. */
type Picture = { readonly block: Flexible } | { readonly omitted: string } | undefined;

const NO_ROOM = "Blast radius not drawn: no room left under the size limit.";

/** "… N more resources": what the fitting left out of one stack's lists, and of its picture. */
function stackNote(resources: readonly Flexible[], files: readonly Flexible[], picture: Picture): Note {
  const text = (unlisted: number, filesOmitted: number, pictureNote: string | undefined) =>
    [
      ...(pictureNote ? [pictureNote] : []),
      ...(unlisted > 0 ? [`${plural(unlisted, "more changed resource")} not listed here.`] : []),
      ...(filesOmitted > 0 ? [`${plural(filesOmitted, "more file diff")} not shown.`] : []),
    ].join(" ");
  const worstPicture = picture === undefined ? undefined : "omitted" in picture ? picture.omitted : NO_ROOM;
  return {
    reserve: text(resources.length, files.length, worstPicture).length,
    render: (levelOf) =>
      text(
        resources.filter((block) => levelOf(block) === 0).length,
        files.filter((block) => levelOf(block) === 0).length,
        picture === undefined ? undefined : "omitted" in picture ? picture.omitted : levelOf(picture.block) === 0 ? NO_ROOM : undefined,
      ),
  };
}

/** The stack's blast radius as a block whose forms are: left out, folded, in full. */
function picture(stack: SafeSummary, rank: number): Picture {
  if (stack.changes.length === 0) return undefined;
  const radius = blastRadius(stack);
  if ("omitted" in radius) return { omitted: radius.omitted };
  const forms = ["", ...(radius.folded !== undefined ? [diagramSection(radius.folded, true)] : []), ...(radius.full !== undefined ? [diagramSection(radius.full, false)] : [])];
  return { block: { group: "diagram", rank, forms: distinctForms(forms) } };
}

/** Says what fitting left out, overall, and where the full output is. */
function footer(blocks: readonly Block[], detailsUrl: string | undefined): Note {
  const where = detailsUrl ? `the log and artifacts of [the workflow run](${detailsUrl})` : "the log and artifacts of the workflow run that posted this comment";
  const text = (counts: { unlisted: number; summaryOnly: number; shortened: number; omittedDiffs: number }) => {
    const parts = [
      ...(counts.unlisted ? [`${plural(counts.unlisted, "resource")} not listed`] : []),
      ...(counts.summaryOnly ? [`${plural(counts.summaryOnly, "resource")} listed without property changes`] : []),
      ...(counts.shortened ? [`${plural(counts.shortened, "diff")} shortened`] : []),
      ...(counts.omittedDiffs ? [`${plural(counts.omittedDiffs, "file diff")} left out`] : []),
    ];
    if (parts.length === 0) return detailsUrl ? `<sub>Full output: ${where}.</sub>` : "";
    return `---\n\n<sub>To stay under GitHub's ${GITHUB_COMMENT_LIMIT.toLocaleString("en-US")}-character limit: ${parts.join(", ")}. The full preview is in ${where}.</sub>`;
  };
  const flexible = blocks.filter((block): block is Flexible => typeof block === "object" && "forms" in block);
  const count = (levelOf: (block: Flexible) => number) => {
    const counts = { unlisted: 0, summaryOnly: 0, shortened: 0, omittedDiffs: 0 };
    for (const block of flexible) {
      const level = levelOf(block);
      const top = block.forms.length - 1;
      if (block.group === "resource") {
        if (level === 0) counts.unlisted++;
        else if (level === 1 && top > 1) counts.summaryOnly++;
        else if (level < top) counts.shortened++;
      } else if (block.group !== "warnings" && block.group !== "diagram") {
        if (level === 0) counts.omittedDiffs++;
        else if (level < top) counts.shortened++;
      }
    }
    return counts;
  };
  const worst = flexible.length;
  return { reserve: text({ unlisted: worst, summaryOnly: worst, shortened: worst, omittedDiffs: worst }).length, render: (levelOf) => text(count(levelOf)) };
}

function blocksFor(stacks: readonly SafeSummary[], limits: Limits, detailsUrl: string | undefined): Block[] {
  const blocks: Block[] = [COMMENT_MARKER];
  const warning = callout(stacks, limits);
  if (warning) blocks.push(warning);
  blocks.push("## Pulumi preview", overview(stacks));
  stacks.forEach((stack, stackIndex) => {
    blocks.push(stackHeader(stack));
    if (stack.failed) blocks.push(`**Errors**\n\n${codeBlock(diagnosticLines(stack.errors, limits), "text")}`);
    const drawn = picture(stack, stackIndex);
    if (drawn && "block" in drawn) blocks.push(drawn.block);
    if (stack.warnings.length) blocks.push(warningsBlock(stack, 0));
    // Data-bearing replacements and deletions get their details first; otherwise URN order.
    const urgent = (change: ResourceChange) => (change.dataCategory && (change.op === "replace" || change.op === "delete") ? 0 : 1);
    const resources = stack.changes.map((change, index) => resourceBlock(change, urgent(change) * ORDINARY_RANK + index));
    const files = stack.changes
      .filter((change): change is ResourceChange & { file: FileChange } => change.file !== undefined)
      .map((change, index) => fileBlock(change, change.file, index));
    if (resources.length) blocks.push("#### Resources", ...resources);
    if (files.length) blocks.push("#### Committed files", ...files);
    blocks.push(stackNote(resources, files, drawn));
  });
  blocks.push(footer(blocks, detailsUrl));
  return blocks;
}

/**
 * The comment for `stacks`, in the order given. Fits in `options.budget` characters or throws
 * when even one line per stack would not.
 */
export function renderComment(stacks: readonly SafeSummary[], options: CommentOptions = {}): string {
  if (stacks.every((stack) => !stack.failed && !stack.hasChanges)) return noChanges(stacks);
  const budget = options.budget ?? COMMENT_BUDGET;
  for (const limits of [FULL, COMPACT]) {
    const blocks = blocksFor(stacks, limits, options.detailsUrl);
    // The final newline counts too.
    const levels = fit(blocks, PASSES, budget - 1);
    const comment = levels && `${assemble(blocks, levels)}\n`;
    // `fit` counts every block with its widest separator, so this holds; checked all the same,
    // since GitHub would refuse the comment outright.
    if (comment && comment.length <= budget) return comment;
  }
  throw new Error(`The summaries of ${plural(stacks.length, "stack")} alone exceed ${budget} characters: post fewer stacks per comment.`);
}
