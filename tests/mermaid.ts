/**
 * Diagrams checked by Mermaid itself (tests/mermaid-parse.mjs), not by string matching: a test file
 * collects every diagram it makes and parses them in one batch, one node process per file, since
 * loading Mermaid and a DOM costs far more than the parsing.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

export interface ParsedNode {
  readonly id: string;
  /** As the renderer shows it: entity codes decoded. */
  readonly label: string;
  readonly shape: string;
  readonly classes: readonly string[];
}

export interface ParsedDiagram {
  readonly ok: true;
  readonly type: string;
  readonly nodes: readonly ParsedNode[];
  readonly edges: readonly { readonly from: string; readonly to: string; readonly stroke: string; readonly label: string }[];
  readonly subgraphs: readonly { readonly id: string; readonly title: string; readonly nodes: readonly string[] }[];
  readonly classes: readonly string[];
  readonly links: readonly string[];
  readonly tooltips: readonly string[];
}

export type ParseResult = ParsedDiagram | { readonly ok: false; readonly error: string };

const SCRIPT = path.join(__dirname, "mermaid-parse.mjs");

/** What Mermaid's parser makes of each text, in order. */
export function parseMermaid(texts: readonly string[]): ParseResult[] {
  const result = spawnSync(process.execPath, [SCRIPT], { input: JSON.stringify(texts), encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`Mermaid's parser did not run (exit ${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout) as ParseResult[];
}

/** The parsed diagram, or a failure that shows Mermaid's message and the text. */
export function parsed(result: ParseResult | undefined, text: string): ParsedDiagram {
  if (result === undefined) throw new Error("No parse result: was the diagram in the batch?");
  if (!result.ok) throw new Error(`Mermaid refused the diagram: ${result.error}\n${text}`);
  return result;
}

/** Every ```mermaid block of a Markdown text. */
export function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^(`{3,})mermaid\n([\s\S]*?)\n\1$/gm)].map((match) => match[2]);
}

/**
 * The pictures of every comment a test file renders, parsed in one batch by the file's last test:
 * wrap the file's renderer with `collect`, and no comment it builds goes unparsed.
 */
export class Pictures {
  /** Distinct texts only: many tests render the same fixture, and one parse answers for all its copies. */
  private readonly texts = new Set<string>();

  /** Keeps the ```mermaid blocks of `markdown` for `parse`. */
  add(markdown: string): void {
    for (const text of mermaidBlocks(markdown)) this.texts.add(text);
  }

  /** `render`, with each comment's pictures kept for `parse`. */
  collect<A extends unknown[]>(render: (...args: A) => string): (...args: A) => string {
    return (...args: A) => {
      const comment = render(...args);
      this.add(comment);
      return comment;
    };
  }

  /**
   * Every distinct collected picture as Mermaid parses it, and what is wrong with any: refused by the parser
   * (or over its text limit), or carrying a link or tooltip, which no picture of ours may.
   */
  parse(): { readonly diagrams: readonly ParsedDiagram[]; readonly problems: readonly string[] } {
    const texts = [...this.texts];
    const results = texts.length ? parseMermaid(texts) : [];
    const problems: string[] = [];
    const diagrams: ParsedDiagram[] = [];
    results.forEach((result, index) => {
      if (!result.ok) problems.push(`refused: ${result.error}\n${texts[index]}`);
      else {
        diagrams.push(result);
        if (result.links.length || result.tooltips.length) problems.push(`links ${result.links.join(", ")}, tooltips ${result.tooltips.join(", ")}\n${texts[index]}`);
      }
    });
    return { diagrams, problems };
  }
}
