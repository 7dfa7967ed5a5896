/**
 * Markdown and HTML pieces that stay intact whatever text goes into them: a backtick in a value
 * cannot close a code span or fence early, a "<" in a name cannot open a tag.
 * @see https://spec.commonmark.org/0.31.2/#code-spans
 * @see https://spec.commonmark.org/0.31.2/#fenced-code-blocks
 */

/**
 * CommonMark's line endings: LF, CRLF and a lone CR. A lone CR left in "one line" of text ends the
 * line for the renderer, which can then close a span, end an HTML block or start a heading.
 * @see https://spec.commonmark.org/0.31.2/#line-ending
 */
export const LINE_ENDING = /\r\n|\r|\n/g;

/** One line of text, whatever line endings it held. */
export function oneLine(text: string): string {
  return text.replace(LINE_ENDING, " ");
}

/** Text for inline HTML: escaped, and on one line, so it cannot end the HTML block it sits in. */
export function escapeHtml(text: string): string {
  return oneLine(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function longestBacktickRun(text: string): number {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return longest;
}

/** `text` as an inline code span on one line. */
export function inlineCode(text: string): string {
  const flat = oneLine(text);
  const fence = "`".repeat(longestBacktickRun(flat) + 1);
  // A span starting or ending with a backtick needs a space between it and the fence.
  const pad = flat.startsWith("`") || flat.endsWith("`") ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** `text` as inline code in HTML (a `<summary>`, where Markdown spans are not reliable). */
export function htmlCode(text: string): string {
  return `<code>${escapeHtml(text)}</code>`;
}

/** A fenced code block whose fence is longer than any backtick run inside it. */
export function codeBlock(lines: readonly string[], language = ""): string {
  // Each line split at every line ending it holds: a lone CR would otherwise be a line of its own
  // to the renderer, unseen by the fence's length check.
  const split = lines.flatMap((line) => line.split(LINE_ENDING));
  const fence = "`".repeat(Math.max(3, longestBacktickRun(split.join("\n")) + 1));
  return [`${fence}${language}`, ...split, fence].join("\n");
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
