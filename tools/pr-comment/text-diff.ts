/**
 * A line diff in unified format (`diff -u`, `git diff`), for committed files and long string
 * properties. Myers' O((N+M)D) algorithm after trimming the common head and tail; a change larger
 * than `MAX_EDIT_DISTANCE` lines is shown as the old middle removed and the new one added, which is
 * still a correct diff, only not a minimal one.
 * @see E. W. Myers, "An O(ND) Difference Algorithm and Its Variations", Algorithmica 1 (1986)
 */

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

/**
 * The shortest edit script turning `a` into `b` (Myers), or undefined when it needs more than
 * `maxDistance` edits. Only the diagonals a round can reach are kept per round, so memory is
 * O(D²) rather than O((N+M)·D).
 */
function myers(a: Int32Array, b: Int32Array, maxDistance: number): Edit[] | undefined {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= Math.min(max, maxDistance); d++) {
    // Round d reads only diagonals -(d-1)..(d-1) of the previous round.
    trace.push(d === 0 ? new Int32Array(0) : v.slice(offset - (d - 1), offset + d));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, n, m, d);
    }
  }
  return undefined;
}

function backtrack(trace: readonly Int32Array[], n: number, m: number, distance: number): Edit[] {
  const edits: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = distance; d > 0; d--) {
    const previous = trace[d];
    const at = (k: number) => previous[k + d - 1];
    const k = x - y;
    const previousK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const previousX = at(previousK);
    const previousY = previousX - previousK;
    while (x > previousX && y > previousY) {
      x--;
      y--;
      edits.push({ kind: "equal", oldIndex: x, newIndex: y });
    }
    if (x === previousX) edits.push({ kind: "insert", oldIndex: -1, newIndex: previousY });
    else edits.push({ kind: "delete", oldIndex: previousX, newIndex: -1 });
    x = previousX;
    y = previousY;
  }
  while (x > 0 && y > 0) {
    x--;
    y--;
    edits.push({ kind: "equal", oldIndex: x, newIndex: y });
  }
  return edits.reverse();
}

/** The edit script from `before` to `after`, lines compared exactly. */
export function diffLines(before: readonly string[], after: readonly string[], maxDistance = MAX_EDIT_DISTANCE): { edits: Edit[]; approximate: boolean } {
  let head = 0;
  while (head < before.length && head < after.length && before[head] === after[head]) head++;
  let tail = 0;
  while (tail < before.length - head && tail < after.length - head && before[before.length - 1 - tail] === after[after.length - 1 - tail]) tail++;

  // Lines as numbers: the inner loop compares integers, not strings.
  const ids = new Map<string, number>();
  const toIds = (lines: readonly string[]) =>
    Int32Array.from(lines.slice(head, lines.length - tail), (line) => {
      let id = ids.get(line);
      if (id === undefined) ids.set(line, (id = ids.size));
      return id;
    });
  const a = toIds(before);
  const b = toIds(after);
  const middle = myers(a, b, maxDistance);
  const edits: Edit[] = [];
  for (let i = 0; i < head; i++) edits.push({ kind: "equal", oldIndex: i, newIndex: i });
  if (middle) {
    for (const edit of middle) {
      edits.push({
        kind: edit.kind,
        oldIndex: edit.oldIndex === -1 ? -1 : edit.oldIndex + head,
        newIndex: edit.newIndex === -1 ? -1 : edit.newIndex + head,
      });
    }
  } else {
    for (let i = 0; i < a.length; i++) edits.push({ kind: "delete", oldIndex: head + i, newIndex: -1 });
    for (let i = 0; i < b.length; i++) edits.push({ kind: "insert", oldIndex: -1, newIndex: head + i });
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
