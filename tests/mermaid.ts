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
