/**
 * Mermaid flowcharts from data, safe whatever the data's text: GitHub draws a ```mermaid block in a
 * comment or a Markdown file, and a resource name is text a pull request's author chooses.
 *
 * Nothing from the data is ever syntax: node and subgraph ids are generated (n1, n2, ..., g1, ...),
 * every label is quoted with each character that Mermaid or HTML could read as syntax written as a
 * Mermaid entity code (`#quot;`, `#35;`), and control and bidirectional characters are shown as
 * `U+XXXX` rather than passed on to reorder or hide what follows (a name's own "U+" is drawn "U＋",
 * so it cannot pose as one). No `click`, link or HTML label is
 * ever written, so a label cannot become a link or markup.
 * @see https://mermaid.js.org/syntax/flowchart.html#entity-codes-to-escape-characters
 */

export type Shape = "box" | "rounded" | "cylinder" | "hexagon";

/**
 * Mermaid's `maxTextSize`: longer source is drawn as "Maximum text size in diagram exceeded" instead
 * of the diagram. `mermaid.parse` does not check it, only rendering does, so a diagram can parse and
 * still not be drawn.
 * @see https://mermaid.js.org/config/schema-docs/config.html#maxtextsize
 */
export const MERMAID_MAX_TEXT_SIZE = 50_000;

/** What this program lets a diagram's source reach: under Mermaid's limit with room for a fence or a line a host adds. */
export const DIAGRAM_CAP = 45_000;

/** Whether Mermaid draws `text` rather than its too-large message, with this program's margin. */
export const fitsDiagramCap = (text: string): boolean => text.length <= DIAGRAM_CAP;

export interface FlowNode {
  /** The caller's key for the node: edges and groups refer to it; it never reaches the text. */
  readonly key: string;
  /** Lines of text, each escaped; line endings inside a line are folded to a space. */
  readonly label: readonly string[];
  /** @default "box" */
  readonly shape?: Shape;
  /** A class from `Flowchart.classes`. */
  readonly className?: string;
  /** The key of the group (subgraph) the node is drawn in. */
  readonly group?: string;
}

export interface FlowGroup {
  readonly key: string;
  readonly label: string;
  /** The key of the group this one is drawn in. */
  readonly parent?: string;
}

export interface FlowEdge {
  readonly from: string;
  readonly to: string;
  readonly label?: string;
  /** Drawn dotted: a weaker or indirect relation. */
  readonly dotted?: boolean;
}

export interface Flowchart {
  /** @default "LR" */
  readonly direction?: "LR" | "TB";
  /** Drawn in this order; ids are numbered in it, so the same input gives the same text. */
  readonly nodes: readonly FlowNode[];
  readonly groups?: readonly FlowGroup[];
  readonly edges?: readonly FlowEdge[];
  /** Class name to Mermaid style (`fill:#dafbe1,stroke:#1a7f37`): written by this program, never from data. */
  readonly classes?: Readonly<Record<string, string>>;
}

const CLASS_NAME = /^[a-z][A-Za-z0-9]*$/;
/** Colours, widths and dash patterns: no `;` or newline that could start a statement. */
const STYLE = /^[a-z-]+:[#A-Za-z0-9 .]+(?:,[a-z-]+:[#A-Za-z0-9 .]+)*$/;

/** Characters that stay as they are: letters, digits, marks and punctuation Mermaid does not read inside quotes. */
const PLAIN = /[\p{L}\p{M}\p{N} .,·×/_+=@*'!?$~^()-]/u;
/** Characters that can reorder, hide or break text: controls, formats (bidi, zero-width), unassigned. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Zl}\p{Zp}]/u;
const NAMED: Readonly<Record<string, string>> = { '"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;" };
/** FULLWIDTH PLUS SIGN: how the plus of a literal "U+" is drawn, unlike any character shown as `U+XXXX`. */
const LITERAL_PLUS = "#65291;";

/**
 * One line of text for inside a quoted Mermaid label: line endings folded to a space, invisible
 * characters shown as `U+XXXX` (and a literal "U+" as "U＋", so text cannot pose as one),
 * everything outside `PLAIN` as an entity code.
 */
export function mermaidText(text: string): string {
  let out = "";
  let previous = "";
  for (const char of text.replace(/\r\n|\r|\n/g, " ")) {
    const code = char.codePointAt(0) as number;
    if (INVISIBLE.test(char)) out += `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
    // A name's own "U+202E" must not pass for a hidden character shown: its plus is drawn full
    // width (＋). The entity for "+" itself would not do: the renderer decodes it to the same plus.
    else if (char === "+" && (previous === "U" || previous === "u")) out += LITERAL_PLUS;
    else if (PLAIN.test(char)) out += char;
    else out += NAMED[char] ?? `#${code};`;
    previous = char;
  }
  return out;
}

const label = (lines: readonly string[]) => `"${lines.map(mermaidText).join("\n")}"`;

const SHAPES: Readonly<Record<Shape, (text: string) => string>> = {
  box: (text) => `[${text}]`,
  rounded: (text) => `(${text})`,
  cylinder: (text) => `[(${text})]`,
  hexagon: (text) => `{{${text}}}`,
};

/** The flowchart's Mermaid source, without the ```mermaid fence. Throws on a key used twice or unknown. */
export function renderFlowchart(chart: Flowchart): string {
  const ids = new Map<string, string>();
  chart.nodes.forEach((node, index) => {
    if (ids.has(node.key)) throw new Error(`Flowchart node ${JSON.stringify(node.key)} is given twice.`);
    ids.set(node.key, `n${index + 1}`);
  });
  const groups = chart.groups ?? [];
  const groupIds = new Map(groups.map((group, index) => [group.key, `g${index + 1}`]));
  if (groupIds.size !== groups.length) throw new Error("Flowchart group keys must be unique.");
  const idOf = (key: string) => {
    const id = ids.get(key);
    if (id === undefined) throw new Error(`Flowchart edge names node ${JSON.stringify(key)}, which is not drawn.`);
    return id;
  };
  const classes = chart.classes ?? {};
  for (const [name, style] of Object.entries(classes)) {
    if (!CLASS_NAME.test(name) || !STYLE.test(style)) throw new Error(`Flowchart class ${JSON.stringify(name)}: ${JSON.stringify(style)} is not a plain style.`);
  }
  for (const node of chart.nodes) {
    if (node.className !== undefined && !(node.className in classes)) throw new Error(`Flowchart node class ${JSON.stringify(node.className)} is not defined.`);
    if (node.group !== undefined && !groupIds.has(node.group)) throw new Error(`Flowchart group ${JSON.stringify(node.group)} is not defined.`);
  }

  const lines = [`flowchart ${chart.direction ?? "LR"}`];
  const nodeLine = (node: FlowNode, indent: string) => `${indent}${idOf(node.key)}${SHAPES[node.shape ?? "box"](label(node.label))}${node.className ? `:::${node.className}` : ""}`;
  const drawGroup = (group: FlowGroup | undefined, indent: string) => {
    for (const child of groups.filter((candidate) => candidate.parent === group?.key)) {
      lines.push(`${indent}subgraph ${groupIds.get(child.key)}[${label([child.label])}]`);
      drawGroup(child, `${indent}  `);
      lines.push(`${indent}end`);
    }
    for (const node of chart.nodes.filter((candidate) => candidate.group === group?.key)) lines.push(nodeLine(node, indent));
  };
  for (const group of groups) {
    if (group.parent !== undefined && !groupIds.has(group.parent)) throw new Error(`Flowchart group ${JSON.stringify(group.parent)} is not defined.`);
  }
  drawGroup(undefined, "  ");
  const drawn = lines.filter((line) => /^\s*subgraph /.test(line)).length;
  if (drawn !== groups.length) throw new Error("Flowchart groups must nest in a tree: a group's parent chain loops.");
  for (const edge of chart.edges ?? []) {
    const arrow = edge.dotted ? "-.->" : "-->";
    lines.push(`  ${idOf(edge.from)} ${arrow}${edge.label !== undefined ? `|${label([edge.label])}|` : ""} ${idOf(edge.to)}`);
  }
  for (const [name, style] of Object.entries(classes)) {
    if (chart.nodes.some((node) => node.className === name)) lines.push(`  classDef ${name} ${style}`);
  }
  return lines.join("\n");
}
