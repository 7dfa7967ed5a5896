/**
 * The pins of workflows/actions.ts as text: read them, and rewrite the lines of those that moved.
 * The file stays the one source of truth a reviewer reads; the updater edits it the way a person
 * would, one line per pin, and leaves every other byte alone.
 */

/** One `key: pin("owner/repo[/path]", "<sha>", "<version>"),` line of workflows/actions.ts. */
export interface PinLine {
  /** The ACTIONS key, e.g. `checkout`. */
  readonly key: string;
  /** `owner/repo`, or `owner/repo/path` for an action in a subfolder. */
  readonly action: string;
  /** `owner/repo`: where its releases are. */
  readonly repository: string;
  readonly sha: string;
  readonly version: string;
  /** 1-based, for messages. */
  readonly line: number;
}

/** The pin's new commit and release. */
export interface PinChange {
  readonly sha: string;
  readonly version: string;
}

const PIN_LINE = /^(\s+)([A-Za-z][A-Za-z0-9]*): pin\("([\w.-]+\/[\w.-]+(?:\/[\w./-]+)?)", "([0-9a-f]{40})", "([^"\s]+)"\),$/;

/**
 * Every pin in `text`. A line that calls `pin(` in another shape is an error rather than a pin
 * silently left behind.
 */
export function parsePins(text: string, file = "workflows/actions.ts"): PinLine[] {
  const pins: PinLine[] = [];
  const problems: string[] = [];
  text.split("\n").forEach((content, index) => {
    if (!/^\s+\w+: pin\(/.test(content)) return;
    const match = PIN_LINE.exec(content);
    if (!match) {
      problems.push(`line ${index + 1} (${content.trim()}): write it as one line, key: pin("owner/repo", "<40-hex commit SHA>", "<release tag>"),`);
      return;
    }
    const [, , key, action, sha, version] = match;
    pins.push({ key, action, repository: action.split("/").slice(0, 2).join("/"), sha, version, line: index + 1 });
  });
  if (problems.length > 0) throw new Error(`${file} has pins the updater cannot read:\n${problems.map((problem) => `  • ${problem}`).join("\n")}`);
  if (pins.length === 0) throw new Error(`${file} has no pins: expected lines such as   checkout: pin("actions/checkout", "<sha>", "v4.2.2"),`);
  return pins;
}

/** `text` with the pins named in `changes` (by key) moved to their new SHA and version; nothing else changes. */
export function rewritePins(text: string, changes: ReadonlyMap<string, PinChange>): string {
  const seen = new Set<string>();
  const lines = text.split("\n").map((content) => {
    const match = PIN_LINE.exec(content);
    const change = match ? changes.get(match[2]) : undefined;
    if (!match || !change) return content;
    seen.add(match[2]);
    const [, indent, key, action] = match;
    return `${indent}${key}: pin("${action}", "${change.sha}", "${change.version}"),`;
  });
  const unknown = [...changes.keys()].filter((key) => !seen.has(key));
  if (unknown.length > 0) throw new Error(`No pin line for ${unknown.map((key) => `\`${key}\``).join(", ")} to rewrite.`);
  return lines.join("\n");
}
