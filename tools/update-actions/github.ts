/**
 * What the updater asks GitHub: a repository's newest release, and the commit its tag points at.
 * `fetch` is injected, so the tests answer for GitHub and no test reaches the network. Every answer
 * is checked for the fields used: a changed or broken API fails with what was expected, not with
 * a pin written from `undefined`.
 *
 * @see https://docs.github.com/en/rest/releases/releases#list-releases
 * @see https://docs.github.com/en/rest/git/refs#get-a-reference
 * @see https://docs.github.com/en/rest/git/tags#get-a-tag
 */

/** The part of the Fetch API the updater uses: `globalThis.fetch` fits it. */
export type Fetch = (url: string, init: { readonly headers: Record<string, string> }) => Promise<{
  readonly ok: boolean;
  readonly status: number;
  json(): Promise<unknown>;
}>;

export interface Release {
  /** The tag the release was published as, e.g. `v4.2.2`. */
  readonly tag: string;
  /** Its page, with the release notes: built from the tag, not taken from the answer. */
  readonly url: string;
}

/** A release tag as a version to compare: `v1.2.3` or `1.2.3`; anything else is not a release of ours. */
export function parseVersion(tag: string): readonly [number, number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(tag);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let index = 0; index < 3; index++) if (a[index] !== b[index]) return a[index] - b[index];
  return 0;
}

/** An annotated tag may point at another tag; a chain longer than this is not a release. */
const MAX_TAG_DEPTH = 5;

export class GitHubApi {
  constructor(
    private readonly fetch: Fetch,
    private readonly token: string | undefined,
    private readonly apiUrl = "https://api.github.com",
  ) {}

  /**
   * The highest `vX.Y.Z` release of `repository` that is neither a draft nor a prerelease. By
   * version, not by date: a project that still ships fixes to an older major (CodeQL's v3 beside
   * v4) publishes an older major after a newer one. GitHub lists releases newest first, so the
   * first hundred hold the highest.
   */
  async latestRelease(repository: string): Promise<Release | undefined> {
    const path = `/repos/${repository}/releases?per_page=100`;
    const answer = await this.get(path);
    if (!Array.isArray(answer)) throw this.malformed(path, "a list of releases", answer);
    let best: { release: Release; version: readonly number[] } | undefined;
    for (const item of answer) {
      if (!isRecord(item) || typeof item.tag_name !== "string" || typeof item.draft !== "boolean" || typeof item.prerelease !== "boolean") {
        throw this.malformed(path, "releases with tag_name, draft and prerelease", item);
      }
      if (item.draft || item.prerelease) continue;
      const version = parseVersion(item.tag_name);
      if (version === undefined) continue;
      if (best === undefined || compareVersions(version, best.version) > 0) best = { release: { tag: item.tag_name, url: `https://github.com/${repository}/releases/tag/${item.tag_name}` }, version };
    }
    return best?.release;
  }

  /** The commit `tag` names in `repository`, through any annotated tags on the way. */
  async commitOf(repository: string, tag: string): Promise<string> {
    const refPath = `/repos/${repository}/git/ref/tags/${encodeURIComponent(tag)}`;
    const ref = await this.get(refPath);
    let object = gitObject(ref);
    if (object === undefined) throw this.malformed(refPath, "a reference whose object has a sha and a type", ref);
    for (let depth = 0; object.type === "tag"; depth++) {
      if (depth === MAX_TAG_DEPTH) throw new Error(`${repository}: tag ${tag} is a chain of more than ${MAX_TAG_DEPTH} annotated tags; pin it by hand.`);
      const tagPath = `/repos/${repository}/git/tags/${object.sha}`;
      const annotated = await this.get(tagPath);
      const next = gitObject(annotated);
      if (next === undefined) throw this.malformed(tagPath, "an annotated tag whose object has a sha and a type", annotated);
      object = next;
    }
    if (object.type !== "commit") throw new Error(`${repository}: tag ${tag} points at a ${object.type}, not a commit; an action cannot be pinned to it.`);
    return object.sha;
  }

  private async get(path: string): Promise<unknown> {
    const headers: Record<string, string> = {
      accept: "application/vnd.github+json",
      "x-github-api-version": "2022-11-28",
      "user-agent": "mlops-cicd-update-actions",
    };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const response = await this.fetch(`${this.apiUrl}${path}`, { headers });
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new Error(`GitHub answered GET ${path} with ${response.status} and a body that is not JSON.`);
    }
    if (!response.ok) {
      const message = isRecord(body) && typeof body.message === "string" ? `: ${body.message}` : "";
      throw new Error(`GitHub answered GET ${path} with ${response.status}${message}.`);
    }
    return body;
  }

  private malformed(path: string, expected: string, got: unknown): Error {
    const shown = JSON.stringify(got ?? null).slice(0, 200);
    return new Error(`GitHub answered GET ${path} with something other than ${expected}: ${shown}. Has the API changed? The pins are left as they are.`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `{ object: { sha, type } }` of a ref or an annotated tag, or undefined when the answer lacks it. */
function gitObject(answer: unknown): { sha: string; type: string } | undefined {
  if (!isRecord(answer) || !isRecord(answer.object)) return undefined;
  const { sha, type } = answer.object;
  if (typeof sha !== "string" || !/^[0-9a-f]{40}$/.test(sha) || typeof type !== "string") return undefined;
  return { sha, type };
}
