/**
 * The engine's property paths, as `detailedDiff` keys them: `rules.pullRequest`, `ingress[0].cidrBlocks`,
 * `tags["kubernetes.io/name"]`.
 * @see https://github.com/pulumi/pulumi/blob/master/sdk/go/common/resource/properties_path.go
 */
import { SECRET_TEXT, UNKNOWN_VALUE } from "./values";

export type PathSegment = string | number;

/** The segments of `path`; a path this cannot read is one key, which still names the property. */
export function parsePropertyPath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  let i = 0;
  while (i < path.length) {
    const char = path[i];
    if (char === ".") {
      i++;
    } else if (char === "[") {
      const close = path.indexOf("]", i);
      if (path[i + 1] === '"') {
        const end = closingQuote(path, i + 2);
        if (end === -1 || path[end + 1] !== "]") return [path];
        try {
          segments.push(JSON.parse(path.slice(i + 1, end + 1)) as string);
        } catch {
          return [path];
        }
        i = end + 2;
      } else {
        if (close === -1) return [path];
        const inner = path.slice(i + 1, close);
        segments.push(/^\d+$/.test(inner) ? Number(inner) : inner);
        i = close + 1;
      }
    } else {
      let end = i;
      while (end < path.length && path[end] !== "." && path[end] !== "[") end++;
      segments.push(path.slice(i, end));
      i = end;
    }
  }
  return segments.length > 0 ? segments : [path];
}

function closingQuote(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

/**
 * The value at `segments` inside `root`, or undefined when absent. A masked secret or an unknown
 * on the way is returned as it is: the property is inside it, and that is all anyone may know.
 */
export function valueAt(root: unknown, segments: readonly PathSegment[]): unknown {
  let current: unknown = root;
  for (const segment of segments) {
    if (current === undefined || current === null) return undefined;
    if (current === SECRET_TEXT || current === UNKNOWN_VALUE) return current;
    if (typeof current !== "object") return undefined;
    if (Array.isArray(current)) {
      if (typeof segment !== "number") return undefined;
      current = current[segment];
    } else {
      const key = String(segment);
      current = Object.prototype.hasOwnProperty.call(current, key) ? (current as Record<string, unknown>)[key] : undefined;
    }
  }
  return current;
}
