/**
 * tools/pr-comment/markdown.ts, piece by piece: what each helper must turn hostile text into. The
 * rendered-comment tests show the whole holds; these pin each escape, so removing one fails a test.
 */
import { codeBlock, details, escapeHtml, htmlCode, inlineCode, oneLine, plural } from "../tools/pr-comment/markdown";

describe("escapeHtml", () => {
  it.each([
    ["&", "&amp;"],
    ["<", "&lt;"],
    [">", "&gt;"],
    ['"', "&quot;"],
    ["a & b < c > d \"e\"", "a &amp; b &lt; c &gt; d &quot;e&quot;"],
    ["&lt;", "&amp;lt;"],
    ["line\r\nbreak\rand\nmore", "line break and more"],
  ])("%j → %j", (text, escaped) => {
    expect(escapeHtml(text)).toBe(escaped);
  });
});

describe("oneLine", () => {
  it("turns every CommonMark line ending into a space, a lone CR too", () => {
    expect(oneLine("a\nb\r\nc\rd")).toBe("a b c d");
  });
});

describe("inlineCode", () => {
  it.each([
    ["plain", "`plain`"],
    ["a`b", "``a`b``"],
    ["a``b`c", "```a``b`c```"],
    ["`starts", "`` `starts ``"],
    ["ends`", "`` ends` ``"],
    ["two\nlines", "`two lines`"],
    ["cr\ronly", "`cr only`"],
  ])("%j → %j", (text, code) => {
    expect(inlineCode(text)).toBe(code);
  });
});

describe("htmlCode", () => {
  it("escapes and flattens inside <code>", () => {
    expect(htmlCode('<b>"x"</b>\r&')).toBe("<code>&lt;b&gt;&quot;x&quot;&lt;/b&gt; &amp;</code>");
  });
});

describe("codeBlock", () => {
  it("fences with three backticks, or one more than the longest run inside", () => {
    expect(codeBlock(["a", "b"], "diff")).toBe("```diff\na\nb\n```");
    expect(codeBlock(["x ````` y", "``"])).toBe("``````\nx ````` y\n``\n``````");
    // The longest run decides, not the shortest.
    expect(codeBlock(["`", "````"])).toBe("`````\n`\n````\n`````");
  });

  it("splits a line at every line ending it holds, counting their backticks too", () => {
    expect(codeBlock(["a\r````\nb"])).toBe("`````\na\n````\nb\n`````");
  });
});

describe("details and plural", () => {
  it("leaves a blank line around the body, open when asked", () => {
    expect(details("<b>s</b>", "body")).toBe("<details><summary><b>s</b></summary>\n\nbody\n\n</details>");
    expect(details("s", "b", true)).toBe("<details open><summary>s</summary>\n\nb\n\n</details>");
  });

  it("counts", () => {
    expect([plural(0, "error"), plural(1, "error"), plural(2, "error"), plural(2, "child", "children")]).toEqual(["0 errors", "1 error", "2 errors", "2 children"]);
  });
});
