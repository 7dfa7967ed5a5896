/**
 * Fitting a comment under a size budget without cutting anything in half.
 *
 * A comment is a list of blocks. Fixed blocks are always there; a flexible block has forms from
 * smallest (usually "", left out) to fullest, and passes upgrade flexible blocks one level at a time
 * while the budget allows. A block is whole in every form, so no code fence or `<details>` is ever
 * cut; a note rendered after fitting says what was left out, its worst-case size reserved up front.
 */

export interface Flexible {
  /** Smallest first; each form complete Markdown on its own. */
  readonly forms: readonly string[];
  readonly group: string;
  /** Within a pass, lower ranks are upgraded first. */
  readonly rank: number;
}

export interface Note {
  /** The text once levels are chosen: it may count what was left out. */
  readonly render: (levelOf: (block: Flexible) => number) => string;
  /** An upper bound of `render`'s length, whatever the levels. */
  readonly reserve: number;
}

export type Block = string | Flexible | Note;

export interface Pass {
  readonly group: string;
  readonly level: number;
  /** The most of what is left when the pass starts that it may spend (0..1). @default 1 */
  readonly share?: number;
  /** Only blocks ranked below this. @default no limit */
  readonly belowRank?: number;
}

const isFlexible = (block: Block): block is Flexible => typeof block === "object" && "forms" in block;
const isNote = (block: Block): block is Note => typeof block === "object" && "render" in block;

/** Blocks are joined by a blank line, or a newline between list items: at most two characters. */
const SEPARATOR = 2;
const size = (text: string) => (text === "" ? 0 : text.length + SEPARATOR);

/** The level of every flexible block, or undefined when even the fixed blocks exceed `budget`. */
export function fit(blocks: readonly Block[], passes: readonly Pass[], budget: number): Map<Flexible, number> | undefined {
  const levels = new Map<Flexible, number>();
  let used = 0;
  for (const block of blocks) {
    if (typeof block === "string") used += size(block);
    else if (isNote(block)) used += block.reserve + SEPARATOR;
    else {
      levels.set(block, 0);
      used += size(block.forms[0]);
    }
  }
  if (used > budget) return undefined;
  const flexible = blocks.filter(isFlexible);
  for (const pass of passes) {
    const limit = used + Math.floor((budget - used) * (pass.share ?? 1));
    const candidates = flexible
      .filter((block) => block.group === pass.group && block.forms.length > pass.level && block.rank < (pass.belowRank ?? Number.POSITIVE_INFINITY))
      .sort((a, b) => a.rank - b.rank);
    for (const block of candidates) {
      const current = levels.get(block) ?? 0;
      if (current >= pass.level) continue;
      const cost = size(block.forms[pass.level]) - size(block.forms[current]);
      if (used + cost <= limit) {
        levels.set(block, pass.level);
        used += cost;
      }
    }
  }
  return levels;
}

/** The blocks as Markdown at the chosen levels. */
export function assemble(blocks: readonly Block[], levels: ReadonlyMap<Flexible, number>): string {
  const levelOf = (block: Flexible) => levels.get(block) ?? 0;
  const texts = blocks
    .map((block) => (typeof block === "string" ? block : isNote(block) ? block.render(levelOf) : block.forms[levelOf(block)]))
    .filter((text) => text !== "");
  let out = "";
  texts.forEach((text, index) => {
    if (index > 0) out += text.startsWith("- ") && texts[index - 1].startsWith("- ") ? "\n" : "\n\n";
    out += text;
  });
  return out;
}

/** Forms with consecutive duplicates dropped, so a level is only ever a real upgrade. */
export function distinctForms(forms: readonly string[]): string[] {
  return forms.filter((form, index) => index === 0 || form !== forms[index - 1]);
}
