/**
 * The line diff behind committed files and long string properties in the preview comment.
 */
import { MAX_EDIT_DISTANCE, type Hunk, diffLines, renderHunks, unifiedDiff } from "../tools/pr-comment/text-diff";

const text = (...lines: string[]) => lines.map((line) => `${line}\n`).join("");

/** Applies `hunks` to `before` (newline-terminated) as `patch` does, checking headers and context. */
function applyHunks(before: string, hunks: readonly Hunk[]): string {
  const old = before === "" ? [] : before.slice(0, -1).split("\n");
  const out: string[] = [];
  let cursor = 0;
  for (const hunk of hunks) {
    const start = hunk.oldLines === 0 ? hunk.oldStart : hunk.oldStart - 1;
    expect(start).toBeGreaterThanOrEqual(cursor);
    expect(hunk.newStart - (hunk.newLines === 0 ? 0 : 1)).toBe(out.length + start - cursor);
    out.push(...old.slice(cursor, start));
    cursor = start;
    let oldCount = 0;
    let newCount = 0;
    for (const line of hunk.lines) {
      const body = line.slice(1);
      if (line[0] === " " || line[0] === "-") {
        expect(old[cursor]).toBe(body);
        cursor++;
        oldCount++;
      }
      if (line[0] === " " || line[0] === "+") {
        out.push(body);
        newCount++;
      }
    }
    expect([oldCount, newCount]).toEqual([hunk.oldLines, hunk.newLines]);
  }
  out.push(...old.slice(cursor));
  return out.map((line) => `${line}\n`).join("");
}

/** The least number of inserted plus deleted lines, by the textbook LCS table. */
function editDistance(a: readonly string[], b: readonly string[]): number {
  const table = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      table[i][j] = a[i - 1] === b[j - 1] ? table[i - 1][j - 1] + 1 : Math.max(table[i - 1][j], table[i][j - 1]);
    }
  }
  return a.length + b.length - 2 * table[a.length][b.length];
}

/** A deterministic pseudo-random sequence (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("unifiedDiff", () => {
  it("has no hunks for identical text", () => {
    expect(unifiedDiff(text("a", "b"), text("a", "b"))).toEqual({ hunks: [], added: 0, removed: 0, approximate: false });
  });

  it("prints a change with three lines of context and git's headers", () => {
    const before = text("1", "2", "3", "4", "5", "6", "7", "8", "9");
    const after = text("1", "2", "3", "4", "five", "6", "7", "8", "9");
    const diff = unifiedDiff(before, after);
    expect(renderHunks(diff.hunks).lines).toEqual(["@@ -2,7 +2,7 @@", " 2", " 3", " 4", "-5", "+five", " 6", " 7", " 8"]);
    expect([diff.added, diff.removed]).toEqual([1, 1]);
  });

  it("merges changes whose context overlaps and splits those far apart", () => {
    const lines = Array.from({ length: 30 }, (_, index) => `line ${index + 1}`);
    const near = [...lines];
    near[4] = "changed 5";
    near[10] = "changed 11";
    expect(unifiedDiff(text(...lines), text(...near)).hunks).toHaveLength(1);
    const far = [...lines];
    far[2] = "changed 3";
    far[25] = "changed 26";
    const hunks = unifiedDiff(text(...lines), text(...far)).hunks;
    expect(hunks.map((hunk) => [hunk.oldStart, hunk.oldLines])).toEqual([
      [1, 6],
      [23, 7],
    ]);
  });

  it("numbers a new file from 0,0 and a deleted one to 0,0", () => {
    expect(renderHunks(unifiedDiff("", text("a", "b")).hunks).lines).toEqual(["@@ -0,0 +1,2 @@", "+a", "+b"]);
    expect(renderHunks(unifiedDiff(text("a"), "").hunks).lines).toEqual(["@@ -1 +0,0 @@", "-a"]);
  });

  it("marks a last line without its newline, as diff -u does", () => {
    const diff = unifiedDiff("a\nb", "a\nb\n");
    expect(renderHunks(diff.hunks).lines).toEqual(["@@ -1,2 +1,2 @@", " a", "-b", "\\ No newline at end of file", "+b"]);
  });

  it("produces a minimal script whose hunks rebuild the new text (200 seeded cases)", () => {
    const next = random(20_260_101);
    const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)];
    const vocabulary = ["a", "b", "c", "d", "", "  key: value", "}"];
    for (let run = 0; run < 200; run++) {
      const before = Array.from({ length: Math.floor(next() * 25) }, () => pick(vocabulary));
      const after = [...before];
      for (let edits = Math.floor(next() * 8); edits > 0; edits--) {
        const at = Math.floor(next() * (after.length + 1));
        if (next() < 0.5 && after.length > 0) after.splice(Math.min(at, after.length - 1), 1);
        else after.splice(at, 0, pick(vocabulary));
      }
      const { edits, approximate } = diffLines(before, after);
      expect(approximate).toBe(false);
      expect(edits.filter((edit) => edit.kind !== "equal")).toHaveLength(editDistance(before, after));
      const diff = unifiedDiff(text(...before), text(...after), Math.floor(next() * 4));
      expect(applyHunks(text(...before), diff.hunks)).toBe(text(...after));
    }
  });

  it("falls back to remove-then-add beyond the edit budget, still a correct diff", () => {
    const before = Array.from({ length: MAX_EDIT_DISTANCE + 10 }, (_, index) => `old ${index}`);
    const after = Array.from({ length: MAX_EDIT_DISTANCE + 10 }, (_, index) => `new ${index}`);
    const diff = unifiedDiff(text("head", ...before, "tail"), text("head", ...after, "tail"));
    expect(diff.approximate).toBe(true);
    expect([diff.added, diff.removed]).toEqual([after.length, before.length]);
    expect(applyHunks(text("head", ...before, "tail"), diff.hunks)).toBe(text("head", ...after, "tail"));
  });

  it("diffs a 20,000-line file with scattered edits quickly", () => {
    const before = Array.from({ length: 20_000 }, (_, index) => `const value${index} = ${index};`);
    const after = before.map((line, index) => (index % 997 === 0 ? `${line} // changed` : line));
    const started = Date.now();
    const diff = unifiedDiff(text(...before), text(...after));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(diff.added).toBe(21);
    expect(applyHunks(text(...before), diff.hunks)).toBe(text(...after));
  });
});

describe("renderHunks", () => {
  const lines = Array.from({ length: 40 }, (_, index) => `line ${index}`);
  const changed = lines.map((line, index) => (index % 10 === 5 ? `${line}!` : line));
  const { hunks } = unifiedDiff(text(...lines), text(...changed));

  it("keeps whole hunks that fit and counts the lines left out", () => {
    expect(hunks).toHaveLength(4);
    const { lines: shown, omitted } = renderHunks(hunks, 20);
    expect(shown.filter((line) => line.startsWith("@@"))).toHaveLength(2);
    expect(omitted).toBe(hunks[2].lines.length + hunks[3].lines.length);
  });

  it("cuts the first hunk when not even it fits", () => {
    const { lines: shown, omitted } = renderHunks(hunks, 3);
    expect(shown).toHaveLength(3);
    expect(omitted).toBe(hunks.reduce((total, hunk) => total + hunk.lines.length, 0) - 2);
  });
});
