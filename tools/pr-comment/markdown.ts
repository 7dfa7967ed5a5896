/**
 * Markdown and HTML pieces that stay intact whatever text goes into them: a backtick in a value
 * cannot close a code span or fence early, a "<" in a name cannot open a tag.
 * @see https://spec.commonmark.org/0.31.2/#code-spans
 * @see https://spec.commonmark.org/0.31.2/#fenced-code-blocks
 */

export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function longestBacktickRun(text: string): number {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return longest;
}

/** `text` as an inline code span on one line. */
export function inlineCode(text: string): string {
  const flat = text.replace(/\r?\n/g, " ");
  const fence = "`".repeat(longestBacktickRun(flat) + 1);
  // A span starting or ending with a backtick needs a space between it and the fence.
  const pad = flat.startsWith("`") || flat.endsWith("`") ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** `text` as inline code in HTML (a `<summary>`, where Markdown spans are not reliable). */
export function htmlCode(text: string): string {
  return `<code>${escapeHtml(text.replace(/\r?\n/g, " "))}</code>`;
}

/** A fenced code block whose fence is longer than any backtick run inside it. */
export function codeBlock(lines: readonly string[], language = ""): string {
  const fence = "`".repeat(Math.max(3, longestBacktickRun(lines.join("\n")) + 1));
  return [`${fence}${language}`, ...lines, fence].join("\n");
}

/**
 * A collapsible block. The blank lines around the body are what make GitHub render the body as
 * Markdown rather than as raw HTML.
 */
export function details(summaryHtml: string, body: string, open = false): string {
  return `<details${open ? " open" : ""}><summary>${summaryHtml}</summary>\n\n${body}\n\n</details>`;
}

/** "1 error", "3 errors". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
