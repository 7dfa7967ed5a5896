/**
 * A line diff in unified format (`diff -u`, `git diff`), for committed files and long string
 * properties. The edit script is jsdiff's (`diffArrays`, Myers' algorithm) after trimming the
 * common head and tail; a change larger than `MAX_EDIT_DISTANCE` lines is shown as the old middle
 * removed and the new one added, which is still a correct diff, only not a minimal one. The hunks
 * are built here, because the comment needs them as data (to fit and count them), not as text.
 */
import { diffArrays } from "diff";

export type EditKind = "equal" | "delete" | "insert";

export interface Edit {
  readonly kind: EditKind;
  /** Index into the old lines (equal, delete) or -1. */
  readonly oldIndex: number;
  /** Index into the new lines (equal, insert) or -1. */
  readonly newIndex: number;
}

export interface Hunk {
  /** 1-based, as a unified header prints it. */
  readonly oldStart: number;
  readonly oldLines: number;
  readonly newStart: number;
  readonly newLines: number;
  /** Each line prefixed " ", "-" or "+", or "\ No newline at end of file". */
  readonly lines: readonly string[];
}

export interface UnifiedDiff {
  readonly hunks: readonly Hunk[];
  readonly added: number;
  readonly removed: number;
  /** True when the change was too large for a minimal diff. */
  readonly approximate: boolean;
}

/** Beyond this many inserted plus deleted lines the diff stops looking for a minimal script. */
export const MAX_EDIT_DISTANCE = 2000;

const NO_NEWLINE = "\\ No newline at end of file";

/** Lines of `text`; the last one flagged when the text does not end with a newline. */
function splitLines(text: string): { lines: string[]; missingNewline: boolean } {
  if (text === "") return { lines: [], missingNewline: false };
  const lines = text.split("\n");
  const missingNewline = lines[lines.length - 1] !== "";
  if (!missingNewline) lines.pop();
  return { lines, missingNewline };
}

/** The edit script from `before` to `after`, lines compared exactly. */
export function diffLines(before: readonly string[], after: readonly string[], maxDistance = MAX_EDIT_DISTANCE): { edits: Edit[]; approximate: boolean } {
  let head = 0;
  while (head < before.length && head < after.length && before[head] === after[head]) head++;
  let tail = 0;
  while (tail < before.length - head && tail < after.length - head && before[before.length - 1 - tail] === after[after.length - 1 - tail]) tail++;

  const a = before.slice(head, before.length - tail);
  const b = after.slice(head, after.length - tail);
  // Undefined when the script would need more than maxDistance edits.
  const middle = diffArrays(a, b, { maxEditLength: maxDistance });
  const edits: Edit[] = [];
  for (let i = 0; i < head; i++) edits.push({ kind: "equal", oldIndex: i, newIndex: i });
  let oldIndex = head;
  let newIndex = head;
  const changes = middle ?? [
    { removed: true, added: false, count: a.length },
    { removed: false, added: true, count: b.length },
  ];
  for (const change of changes) {
    const count = change.count ?? 0;
    for (let i = 0; i < count; i++) {
      if (change.removed) edits.push({ kind: "delete", oldIndex: oldIndex++, newIndex: -1 });
      else if (change.added) edits.push({ kind: "insert", oldIndex: -1, newIndex: newIndex++ });
      else edits.push({ kind: "equal", oldIndex: oldIndex++, newIndex: newIndex++ });
    }
  }
  for (let i = 0; i < tail; i++) edits.push({ kind: "equal", oldIndex: before.length - tail + i, newIndex: after.length - tail + i });
  return { edits, approximate: middle === undefined };
}

/** `before` to `after` as unified hunks with `context` lines around each change. */
export function unifiedDiff(before: string, after: string, context = 3): UnifiedDiff {
  const old = splitLines(before);
  const next = splitLines(after);
  // A last line without its newline differs from the same line with one, as in `diff -u`.
  const key = (lines: string[], missingNewline: boolean) =>
    lines.map((line, index) => (missingNewline && index === lines.length - 1 ? `${line}\u0000` : line));
  const { edits, approximate } = diffLines(key(old.lines, old.missingNewline), key(next.lines, next.missingNewline));

  const changed = edits.map((edit, index) => (edit.kind === "equal" ? -1 : index)).filter((index) => index !== -1);
  const hunks: Hunk[] = [];
  let added = 0;
  let removed = 0;
  let i = 0;
  while (i < changed.length) {
    const start = Math.max(0, changed[i] - context);
    let end = changed[i];
    while (i + 1 < changed.length && changed[i + 1] - end <= 2 * context + 1) end = changed[++i];
    i++;
    const stop = Math.min(edits.length - 1, end + context);
    const slice = edits.slice(start, stop + 1);
    const lines: string[] = [];
    let oldCount = 0;
    let newCount = 0;
    for (const edit of slice) {
      if (edit.kind === "equal") {
        lines.push(` ${old.lines[edit.oldIndex]}`);
        oldCount++;
        newCount++;
        if (old.missingNewline && edit.oldIndex === old.lines.length - 1) lines.push(NO_NEWLINE);
      } else if (edit.kind === "delete") {
        lines.push(`-${old.lines[edit.oldIndex]}`);
        oldCount++;
        removed++;
        if (old.missingNewline && edit.oldIndex === old.lines.length - 1) lines.push(NO_NEWLINE);
      } else {
        lines.push(`+${next.lines[edit.newIndex]}`);
        newCount++;
        added++;
        if (next.missingNewline && edit.newIndex === next.lines.length - 1) lines.push(NO_NEWLINE);
      }
    }
    const firstOld = slice.find((edit) => edit.oldIndex !== -1)?.oldIndex ?? oldIndexBefore(edits, start);
    const firstNew = slice.find((edit) => edit.newIndex !== -1)?.newIndex ?? newIndexBefore(edits, start);
    hunks.push({
      oldStart: oldCount === 0 ? firstOld : firstOld + 1,
      oldLines: oldCount,
      newStart: newCount === 0 ? firstNew : firstNew + 1,
      newLines: newCount,
      lines,
    });
  }
  return { hunks, added, removed, approximate };
}

/** How many old lines precede edit `index`: where an insert-only hunk sits in the old file. */
function oldIndexBefore(edits: readonly Edit[], index: number): number {
  return edits.slice(0, index).filter((edit) => edit.oldIndex !== -1).length;
}

function newIndexBefore(edits: readonly Edit[], index: number): number {
  return edits.slice(0, index).filter((edit) => edit.newIndex !== -1).length;
}

function range(start: number, count: number): string {
  return count === 1 ? `${start}` : `${start},${count}`;
}

export function hunkHeader(hunk: Hunk): string {
  return `@@ -${range(hunk.oldStart, hunk.oldLines)} +${range(hunk.newStart, hunk.newLines)} @@`;
}

/**
 * The hunks as text lines, at most `maxLines` of them: whole hunks while they fit, or the start of
 * the first one when even it does not. `omitted` counts the diff lines left out.
 */
export function renderHunks(hunks: readonly Hunk[], maxLines = Number.POSITIVE_INFINITY): { lines: string[]; omitted: number } {
  const lines: string[] = [];
  let omitted = 0;
  for (const hunk of hunks) {
    const size = hunk.lines.length + 1;
    if (lines.length + size <= maxLines) {
      lines.push(hunkHeader(hunk), ...hunk.lines);
    } else if (lines.length === 0 && maxLines > 1) {
      const kept = hunk.lines.slice(0, maxLines - 1);
      lines.push(hunkHeader(hunk), ...kept);
      omitted += hunk.lines.length - kept.length;
    } else {
      omitted += hunk.lines.length;
    }
  }
  return { lines, omitted };
}
