/**
 * Mermaid's own parser over a batch of diagrams: reads a JSON list of diagram texts on stdin and
 * writes, for each, what Mermaid made of it (its nodes, edges, subgraphs and classes, labels with
 * their entity codes decoded as the renderer decodes them) or the parser's error. One process and
 * one DOM for a whole test file: the package needs a DOM for its sanitizer (DOMPurify), which
 * happy-dom provides, and loading it costs more than parsing hundreds of diagrams.
 */
/* global process */
import { Window } from "happy-dom";

const window = new Window();
globalThis.window = window;
globalThis.document = window.document;
const { default: mermaid } = await import("mermaid");

/** Mermaid keeps entity codes as placeholders until it renders; this is its decoding, then HTML's. */
function decode(text) {
  const element = window.document.createElement("span");
  element.innerHTML = String(text ?? "").replace(/ﬂ°°/g, "&#").replace(/ﬂ°/g, "&").replace(/¶ß/g, ";");
  return element.textContent;
}

/** Rendering draws an error in place of longer source; `mermaid.parse` does not check it, so this does. */
const MAX_TEXT_SIZE = mermaid.mermaidAPI.getConfig().maxTextSize ?? 50000;

async function describe(text) {
  if (text.length > MAX_TEXT_SIZE) return { ok: false, error: `Maximum text size in diagram exceeded: ${text.length} > ${MAX_TEXT_SIZE} characters` };
  try {
    await mermaid.parse(text);
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    const db = diagram.db;
    if (typeof db.getVertices !== "function") return { ok: true, type: diagram.type };
    const vertices = [...db.getVertices().values()];
    return {
      ok: true,
      type: diagram.type,
      nodes: vertices.map((vertex) => ({ id: vertex.id, label: decode(vertex.text), shape: vertex.type ?? "default", classes: [...vertex.classes] })),
      edges: db.getEdges().map((edge) => ({ from: edge.start, to: edge.end, stroke: edge.stroke, label: decode(edge.text) })),
      subgraphs: db.getSubGraphs().map((subgraph) => ({ id: subgraph.id, title: decode(subgraph.title), nodes: [...subgraph.nodes] })),
      classes: [...db.getClasses().keys()],
      // A click or link statement sets these; none of ours may.
      links: vertices.filter((vertex) => vertex.link !== undefined || vertex.haveCallback).map((vertex) => vertex.id),
      tooltips: [...(db.tooltips?.keys?.() ?? [])],
    };
  } catch (error) {
    return { ok: false, error: String(error?.message ?? error) };
  }
}

let input = "";
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const text of JSON.parse(input)) results.push(await describe(text));
process.stdout.write(JSON.stringify(results));
await window.happyDOM.close();
