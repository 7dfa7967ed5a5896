/**
 * Keeping the pins current (tools/update-actions, .github/workflows/update-actions.yml): the tool
 * against a GitHub that the tests answer for (no network), the pull-request script against a real
 * git remote and a fake `gh`, and the workflow's permissions.
 */
import { spawn, spawnSync } from "node:child_process";
import * as http from "node:http";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { UPDATE_BRANCH, UPDATE_MARKER } from "../contracts/update-actions";
import { renderedPlatformWorkflows, renderedWorkflowsByStack } from "../tools/render-workflows";
import { ACTIONS_FILE, checkAgainstModule, updateActions } from "../tools/update-actions/cli";
import { Fetch, GitHubApi } from "../tools/update-actions/github";
import { parsePins, rewritePins } from "../tools/update-actions/pins";
import { PinUpdate, planUpdates, pullRequestBody, pullRequestTitle } from "../tools/update-actions/plan";
import { ACTIONS, usesOf } from "../workflows/actions";
import { scriptFiles } from "../workflows/steps";
import { runTool } from "./run-tool";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed workflow documents
type Doc = any;

const ACTIONS_TEXT = fs.readFileSync(ACTIONS_FILE, "utf8");
const sha = (seed: string) => seed.repeat(40).slice(0, 40);

/** GitHub's answers by path (with its query); anything else is a 404. Records what was asked. */
function fakeGitHub(answers: Record<string, unknown | { status: number; body: unknown }>) {
  const asked: { path: string; authorization?: string }[] = [];
  const fetch: Fetch = async (url, init) => {
    const pathAndQuery = url.replace("https://api.github.com", "");
    asked.push({ path: pathAndQuery, authorization: init.headers.authorization });
    const answer = answers[pathAndQuery];
    const explicit = typeof answer === "object" && answer !== null && "status" in answer && "body" in answer;
    const status = answer === undefined ? 404 : explicit ? (answer as { status: number }).status : 200;
    const body = answer === undefined ? { message: "Not Found" } : explicit ? (answer as { body: unknown }).body : answer;
    return { ok: status < 400, status, json: async () => body };
  };
  return { api: new GitHubApi(fetch, "ghs_read"), asked };
}

const release = (tag: string, extra: Record<string, unknown> = {}) => ({ tag_name: tag, draft: false, prerelease: false, html_url: `https://example.invalid/${tag}`, ...extra });
const lightweight = (commit: string) => ({ ref: "refs/tags/x", object: { type: "commit", sha: commit } });
const annotated = (tagObject: string) => ({ ref: "refs/tags/x", object: { type: "tag", sha: tagObject } });

/** Every pinned repository answering its current release, except those in `overrides`. */
function currentAnswers(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const answers: Record<string, unknown> = {};
  for (const pin of parsePins(ACTIONS_TEXT)) answers[`/repos/${pin.repository}/releases?per_page=100`] = [release(pin.version)];
  return { ...answers, ...overrides };
}

describe("reading and rewriting workflows/actions.ts", () => {
  it("reads every pin the workflows render with, as one line each", () => {
    const pins = parsePins(ACTIONS_TEXT);
    expect(pins.map((pin) => pin.key)).toEqual(Object.keys(ACTIONS));
    expect(pins.find((pin) => pin.key === "codeqlInit")).toMatchObject({ action: "github/codeql-action/init", repository: "github/codeql-action" });
    expect(() => checkAgainstModule(pins)).not.toThrow();
  });

  it("refuses a pin it cannot read rather than leaving it behind", () => {
    const split = ACTIONS_TEXT.replace(/( {2}checkout: pin\("actions\/checkout",) /, "$1\n    ");
    expect(() => parsePins(split)).toThrow(/^workflows\/actions\.ts has pins the updater cannot read:\n {2}• line \d+ \(checkout: pin\("actions\/checkout",\): write it as one line, key: pin\("owner\/repo", "<40-hex commit SHA>", "<release tag>"\),$/);
    expect(() => parsePins("export const ACTIONS = {};\n")).toThrow("workflows/actions.ts has no pins");
    expect(() => checkAgainstModule(parsePins(ACTIONS_TEXT).slice(1))).toThrow("workflows/actions.ts declares pins the updater does not read as lines");
  });

  it("rewrites only the lines of the pins that move", () => {
    const rewritten = rewritePins(ACTIONS_TEXT, new Map([["setupNode", { sha: sha("a"), version: "v9.0.0" }]]));
    const before = ACTIONS_TEXT.split("\n");
    const after = rewritten.split("\n");
    expect(after).toHaveLength(before.length);
    const changed = after.map((line, index) => [before[index], line]).filter(([old, line]) => old !== line);
    expect(changed).toEqual([[expect.stringContaining('setupNode: pin("actions/setup-node"'), `  setupNode: pin("actions/setup-node", "${sha("a")}", "v9.0.0"),`]]);
    expect(() => rewritePins(ACTIONS_TEXT, new Map([["nope", { sha: sha("a"), version: "v1.0.0" }]]))).toThrow("No pin line for `nope` to rewrite.");
  });
});

describe("asking GitHub", () => {
  it("takes the highest release that is neither a draft nor a prerelease, by version rather than by date", async () => {
    const { api, asked } = fakeGitHub({
      "/repos/o/r/releases?per_page=100": [
        release("v5.0.0-rc.1"),
        release("v6.0.0", { prerelease: true }),
        release("v7.0.0", { draft: true }),
        release("v3.9.9"),
        release("v4.2.0"),
        release("nightly"),
        release("v4.1.0"),
      ],
    });
    await expect(api.latestRelease("o/r")).resolves.toEqual({ tag: "v4.2.0", url: "https://github.com/o/r/releases/tag/v4.2.0" });
    expect(asked).toEqual([{ path: "/repos/o/r/releases?per_page=100", authorization: "Bearer ghs_read" }]);
  });

  it("resolves a lightweight tag to its commit, and an annotated one through its tag objects", async () => {
    const { api } = fakeGitHub({
      "/repos/o/r/git/ref/tags/v1.0.0": lightweight(sha("1")),
      "/repos/o/r/git/ref/tags/v2.0.0": annotated(sha("7")),
      [`/repos/o/r/git/tags/${sha("7")}`]: annotated(sha("8")),
      [`/repos/o/r/git/tags/${sha("8")}`]: { object: { type: "commit", sha: sha("2") } },
    });
    await expect(api.commitOf("o/r", "v1.0.0")).resolves.toBe(sha("1"));
    await expect(api.commitOf("o/r", "v2.0.0")).resolves.toBe(sha("2"));
  });

  it("refuses a tag that names no commit, or an endless chain of tags", async () => {
    const chain: Record<string, unknown> = { "/repos/o/r/git/ref/tags/v3.0.0": annotated(sha("0")) };
    for (let index = 0; index < 9; index++) chain[`/repos/o/r/git/tags/${sha(String(index))}`] = annotated(sha(String(index + 1)));
    const { api } = fakeGitHub({ ...chain, "/repos/o/r/git/ref/tags/v1.0.0": { object: { type: "tree", sha: sha("f") } } });
    await expect(api.commitOf("o/r", "v1.0.0")).rejects.toThrow("o/r: tag v1.0.0 points at a tree, not a commit; an action cannot be pinned to it.");
    await expect(api.commitOf("o/r", "v3.0.0")).rejects.toThrow("o/r: tag v3.0.0 is a chain of more than 5 annotated tags; pin it by hand.");
  });

  it("fails with what it expected when an answer is malformed, and with GitHub's message on an error", async () => {
    const { api } = fakeGitHub({
      "/repos/o/list/releases?per_page=100": { message: "not a list" },
      "/repos/o/item/releases?per_page=100": [{ tag_name: 4 }],
      "/repos/o/ref/git/ref/tags/v1.0.0": { object: { type: "commit", sha: "abc" } },
      "/repos/o/limited/releases?per_page=100": { status: 403, body: { message: "API rate limit exceeded" } },
    });
    await expect(api.latestRelease("o/list")).rejects.toThrow(
      'GitHub answered GET /repos/o/list/releases?per_page=100 with something other than a list of releases: {"message":"not a list"}. Has the API changed? The pins are left as they are.',
    );
    await expect(api.latestRelease("o/item")).rejects.toThrow('with something other than releases with tag_name, draft and prerelease: {"tag_name":4}.');
    await expect(api.commitOf("o/ref", "v1.0.0")).rejects.toThrow('GitHub answered GET /repos/o/ref/git/ref/tags/v1.0.0 with something other than a reference whose object has a sha and a type: {"object":{"type":"commit","sha":"abc"}}.');
    await expect(api.latestRelease("o/limited")).rejects.toThrow("GitHub answered GET /repos/o/limited/releases?per_page=100 with 403: API rate limit exceeded.");
    await expect(api.latestRelease("o/missing")).rejects.toThrow("GitHub answered GET /repos/o/missing/releases?per_page=100 with 404: Not Found.");
  });
});

describe("planning the moves", () => {
  it("moves a repository's actions together, never down, flags a new major, and names what has no release", async () => {
    const { api } = fakeGitHub({
      "/repos/a/up/releases?per_page=100": [release("v2.1.0")],
      "/repos/a/up/git/ref/tags/v2.1.0": lightweight(sha("b")),
      "/repos/a/major/releases?per_page=100": [release("v3.0.0")],
      "/repos/a/major/git/ref/tags/v3.0.0": lightweight(sha("c")),
      "/repos/a/down/releases?per_page=100": [release("v1.0.0")],
      "/repos/a/none/releases?per_page=100": [release("v9.0.0", { draft: true })],
      "/repos/a/zero/releases?per_page=100": [release("v0.37.0")],
      "/repos/a/zero/git/ref/tags/v0.37.0": lightweight(sha("d")),
    });
    const pins = parsePins(
      [
        `  one: pin("a/up/init", "${sha("1")}", "v2.0.0"),`,
        `  two: pin("a/up/analyze", "${sha("1")}", "v2.0.0"),`,
        `  three: pin("a/major", "${sha("2")}", "v2.5.0"),`,
        `  four: pin("a/down", "${sha("3")}", "v1.2.0"),`,
        `  five: pin("a/none", "${sha("4")}", "v1.0.0"),`,
        `  six: pin("a/zero", "${sha("5")}", "v0.36.0"),`,
      ].join("\n"),
    );
    expect(await planUpdates(pins, api)).toEqual({
      updates: [
        { keys: ["one", "two"], repository: "a/up", from: { version: "v2.0.0", sha: sha("1") }, to: { version: "v2.1.0", sha: sha("b"), releaseUrl: "https://github.com/a/up/releases/tag/v2.1.0" }, major: false },
        { keys: ["three"], repository: "a/major", from: { version: "v2.5.0", sha: sha("2") }, to: { version: "v3.0.0", sha: sha("c"), releaseUrl: "https://github.com/a/major/releases/tag/v3.0.0" }, major: true },
        // Semantic versioning's 0.x: a new minor may break.
        { keys: ["six"], repository: "a/zero", from: { version: "v0.36.0", sha: sha("5") }, to: { version: "v0.37.0", sha: sha("d"), releaseUrl: "https://github.com/a/zero/releases/tag/v0.37.0" }, major: true },
      ],
      withoutRelease: ["a/none"],
    });
  });

  it("refuses actions of one repository pinned apart, or a pin that is not a release version", async () => {
    const { api } = fakeGitHub({});
    const apart = parsePins(`  one: pin("a/r/x", "${sha("1")}", "v1.0.0"),\n  two: pin("a/r/y", "${sha("2")}", "v1.1.0"),`);
    await expect(planUpdates(apart, api)).rejects.toThrow(`a/r: its actions are pinned to different releases (v1.0.0 ${sha("1")}, v1.1.0 ${sha("2")}); pin them to one release by hand first.`);
    await expect(planUpdates(parsePins(`  one: pin("a/r", "${sha("1")}", "main"),`), api)).rejects.toThrow('a/r: pinned as "main" (line 1), which is not a release version vX.Y.Z to compare with.');
  });

  it("writes a pull request listing each move, major ones first and flagged", () => {
    const update = (repository: string, from: string, to: string, major: boolean): PinUpdate => ({
      keys: ["k"],
      repository,
      from: { version: from, sha: sha("1") },
      to: { version: to, sha: sha("2"), releaseUrl: `https://github.com/${repository}/releases/tag/${to}` },
      major,
    });
    const updates = [update("a/minor", "v1.0.0", "v1.1.0", false), update("b/major", "v1.0.0", "v2.0.0", true)];
    expect(pullRequestTitle(updates)).toBe("Update pinned actions: 2 actions, 1 major");
    expect(pullRequestTitle([updates[0]])).toBe("Update pinned actions: 1 action");
    const body = pullRequestBody(updates);
    expect(body.split("\n")[0]).toBe(UPDATE_MARKER);
    expect(body).toMatchSnapshot();
  });
});

describe("updateActions", () => {
  const work = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "update-actions-"));
    const file = path.join(dir, "actions.ts");
    fs.writeFileSync(file, ACTIONS_TEXT);
    const output = path.join(dir, "github-output");
    fs.writeFileSync(output, "");
    return { file, body: path.join(dir, "body.md"), output };
  };

  it("leaves everything alone, and opens nothing, when every pin is current", async () => {
    const { api } = fakeGitHub(currentAnswers());
    const { file, body, output } = work();
    await expect(updateActions({ file, body, githubOutput: output, api })).resolves.toEqual({ updates: [], withoutRelease: [] });
    expect(fs.readFileSync(file, "utf8")).toBe(ACTIONS_TEXT);
    expect(fs.existsSync(body)).toBe(false);
    expect(fs.readFileSync(output, "utf8")).toBe("changed=false\n");
  });

  it("moves the pins with newer releases to the commits their tags point at, and writes the pull request", async () => {
    const codeql = ACTIONS.codeqlInit;
    const { api } = fakeGitHub(
      currentAnswers({
        // A new patch, published as an annotated tag.
        "/repos/actions/checkout/releases?per_page=100": [release("v7.0.2"), release(ACTIONS.checkout.version)],
        "/repos/actions/checkout/git/ref/tags/v7.0.2": annotated(sha("e")),
        [`/repos/actions/checkout/git/tags/${sha("e")}`]: { object: { type: "commit", sha: sha("d") } },
        // A new major, and an older major's fix published after it.
        "/repos/github/codeql-action/releases?per_page=100": [release("v4.99.0"), release("v5.0.0"), release(codeql.version)],
        "/repos/github/codeql-action/git/ref/tags/v5.0.0": lightweight(sha("5")),
      }),
    );
    const { file, body, output } = work();
    const { updates } = await updateActions({ file, body, githubOutput: output, api });
    expect(updates.map((update) => [update.repository, update.to.version, update.major])).toEqual([
      ["actions/checkout", "v7.0.2", false],
      ["github/codeql-action", "v5.0.0", true],
    ]);
    const rewritten = fs.readFileSync(file, "utf8");
    expect(rewritten).toContain(`checkout: pin("actions/checkout", "${sha("d")}", "v7.0.2"),`);
    for (const key of ["codeqlInit", "codeqlUploadSarif", "codeqlAnalyze"]) expect(rewritten).toMatch(new RegExp(`${key}: pin\\("github/codeql-action/[a-z-]+", "${sha("5")}", "v5\\.0\\.0"\\),`));
    expect(rewritten.split("\n").filter((line, index) => line !== ACTIONS_TEXT.split("\n")[index])).toHaveLength(4);
    expect(fs.readFileSync(body, "utf8")).toContain(`| ${ACTIONS.checkout.version} \`${ACTIONS.checkout.sha}\` | v7.0.2 \`${sha("d")}\` |`);
    expect(fs.readFileSync(output, "utf8")).toBe("changed=true\ntitle=Update pinned actions: 2 actions, 1 major\n");
  });

  it("writes nothing when one answer is malformed: no half-updated file", async () => {
    const { api } = fakeGitHub(currentAnswers({ "/repos/slackapi/slack-github-action/releases?per_page=100": { releases: [] } }));
    const { file, body, output } = work();
    await expect(updateActions({ file, body, githubOutput: output, api })).rejects.toThrow("GitHub answered GET /repos/slackapi/slack-github-action/releases?per_page=100 with something other than a list of releases");
    expect(fs.readFileSync(file, "utf8")).toBe(ACTIONS_TEXT);
    expect(fs.existsSync(body)).toBe(false);
    expect(fs.readFileSync(output, "utf8")).toBe("");
  });
});

it("names what is missing on its command line, before asking GitHub anything", () => {
  const result = runTool("update-actions/cli.ts", []);
  expect(result.code).toBe(2);
  expect(result.stderr).toBe("--body is required: where to write the pull request's body.\nusage: npm run update-actions -- --body <file> [--github-output <file>] [--actions-file <file>]\n");
  expect(runTool("update-actions/cli.ts", ["--body", "b.md", "--title", "x"]).stderr).toContain("usage: npm run update-actions");
});

it("runs as the workflow runs it: GitHub's API at GITHUB_API_URL, the outputs in GITHUB_OUTPUT", async () => {
  // GIVEN a GitHub whose only newer release is Slack's, published as an annotated tag, and where
  // Trivy's action has no release at all
  const answers = currentAnswers({
    "/repos/aquasecurity/trivy-action/releases?per_page=100": [],
    "/repos/slackapi/slack-github-action/releases?per_page=100": [release("v4.1.0"), release(ACTIONS.slack.version)],
    "/repos/slackapi/slack-github-action/git/ref/tags/v4.1.0": annotated(sha("a")),
    [`/repos/slackapi/slack-github-action/git/tags/${sha("a")}`]: { object: { type: "commit", sha: sha("b") } },
  });
  const authorizations = new Set<string | undefined>();
  const server = http.createServer((request, response) => {
    authorizations.add(request.headers.authorization);
    const answer = answers[request.url ?? ""];
    response.writeHead(answer === undefined ? 404 : 200, { "content-type": "application/json" });
    response.end(JSON.stringify(answer ?? { message: "Not Found" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "update-actions-cli-"));
  const file = path.join(dir, "actions.ts");
  fs.writeFileSync(file, ACTIONS_TEXT);
  fs.writeFileSync(path.join(dir, "output"), "");
  try {
    // WHEN the command runs (asynchronously: this process serves its requests)
    const { port } = server.address() as { port: number };
    const child = spawn(process.execPath, ["-r", path.join(__dirname, "..", "tools", "register.js"), path.join(__dirname, "..", "tools", "update-actions", "cli.ts"), "--body", path.join(dir, "body.md"), "--github-output", path.join(dir, "output"), "--actions-file", file], {
      env: { PATH: process.env.PATH, GITHUB_API_URL: `http://127.0.0.1:${port}`, GITHUB_TOKEN: "ghs_job" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    // THEN Slack's pin moved to the tag's commit, and the step's outputs say so
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toBe(
      [
        "::warning::aquasecurity/trivy-action has no release to compare its pin with (only tags, drafts or prereleases): update it by hand.",
        `slackapi/slack-github-action: ${ACTIONS.slack.version} → v4.1.0 (${sha("b")})`,
        "",
      ].join("\n"),
    );
    expect(fs.readFileSync(file, "utf8")).toBe(ACTIONS_TEXT.replace(`"${ACTIONS.slack.sha}", "${ACTIONS.slack.version}"`, `"${sha("b")}", "v4.1.0"`));
    expect(fs.readFileSync(path.join(dir, "output"), "utf8")).toBe("changed=true\ntitle=Update pinned actions: 1 action\n");
    expect(fs.readFileSync(path.join(dir, "body.md"), "utf8")).toContain("https://github.com/slackapi/slack-github-action/releases/tag/v4.1.0");
    expect([...authorizations]).toEqual(["Bearer ghs_job"]);
  } finally {
    server.close();
  }
});

describe("open-update-pull-request.sh, against a git remote and a fake gh", () => {
  const AUTHOR = "mlops-cicd-updates[bot]";
  const git = (cwd: string, ...args: string[]) => {
    const result = spawnSync("git", ["-c", "user.name=Someone", "-c", "user.email=someone@example.com", ...args], { cwd, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
    return result.stdout.trim();
  };

  /**
   * The remote with main and the repository that pushed it, made once: every test starts from a
   * copy of them, which git reads as it would the originals (neither names the other's path).
   */
  let template: string | undefined;
  afterAll(() => template && fs.rmSync(template, { recursive: true, force: true }));
  function remoteWithMain(): string {
    if (template === undefined) {
      template = fs.mkdtempSync(path.join(os.tmpdir(), "update-pr-template-"));
      git(template, "init", "--quiet", "--bare", "--initial-branch=main", "origin.git");
      git(template, "init", "--quiet", "--initial-branch=main", "seed");
      fs.writeFileSync(path.join(template, "seed", "actions.ts"), "old\n");
      git(path.join(template, "seed"), "add", ".");
      git(path.join(template, "seed"), "commit", "--quiet", "-m", "main");
      git(path.join(template, "seed"), "push", "--quiet", path.join(template, "origin.git"), "main");
    }
    return template;
  }

  /** A remote with main, a checkout of it with moved pins, and a gh that answers `pr list` with `openPullRequest`. */
  function setUp(openPullRequest: string) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "update-pr-"));
    const origin = path.join(dir, "origin.git");
    const seed = path.join(dir, "seed");
    fs.cpSync(remoteWithMain(), dir, { recursive: true, verbatimSymlinks: true });
    const checkout = path.join(dir, "checkout");
    git(dir, "clone", "--quiet", "--depth=1", `file://${origin}`, checkout);
    // As apply-update-patch.sh leaves it: the checked change in the index.
    fs.writeFileSync(path.join(checkout, "actions.ts"), "new\n");
    git(checkout, "add", "actions.ts");
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    const calls = path.join(dir, "gh-calls");
    fs.writeFileSync(
      path.join(bin, "gh"),
      `#!/usr/bin/env bash\nprintf '%s\\n' "$*" >> "${calls}"\nif [[ "$1 $2" == "pr list" ]]; then printf '%s\\n' "${openPullRequest}"; fi\n`,
      { mode: 0o755 },
    );
    const body = path.join(dir, "body.md");
    fs.writeFileSync(body, `${UPDATE_MARKER}\nmoves\n`);
    const run = () =>
      spawnSync("bash", ["-c", scriptFiles("open-update-pull-request")], {
        cwd: checkout,
        encoding: "utf8",
        env: {
          PATH: `${bin}:${process.env.PATH}`,
          HOME: dir,
          GH_TOKEN: "ghs_app",
          AUTHOR,
          BRANCH: UPDATE_BRANCH,
          BASE: "main",
          TITLE: "Update pinned actions: 1 action",
          BODY_FILE: body,
          GITHUB_REPOSITORY: "acme/mlops-cicd",
        },
      });
    const ghCalls = () => (fs.existsSync(calls) ? fs.readFileSync(calls, "utf8").trim().split("\n") : []);
    return { origin, seed, checkout, run, ghCalls, body };
  }

  const branchTip = (origin: string) => git(origin, "log", "-1", "--format=%an <%ae>|%s|%P", UPDATE_BRANCH);

  it("pushes main plus one commit by the App to the fixed branch and opens the pull request", () => {
    const { origin, run, ghCalls, body } = setUp("");
    const result = run();
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const main = git(origin, "rev-parse", "main");
    expect(branchTip(origin)).toBe(`${AUTHOR} <${AUTHOR}@users.noreply.github.com>|Update pinned actions: 1 action|${main}`);
    expect(git(origin, "show", `${UPDATE_BRANCH}:actions.ts`)).toBe("new");
    expect(ghCalls()).toEqual([
      `pr list --repo acme/mlops-cicd --head ${UPDATE_BRANCH} --base main --state open --json number --jq .[0].number // empty`,
      `pr create --repo acme/mlops-cicd --base main --head ${UPDATE_BRANCH} --title Update pinned actions: 1 action --body-file ${body}`,
    ]);
  });

  it("commits the index as it was checked, not whatever else is in the checkout", () => {
    const { origin, checkout, run } = setUp("");
    fs.writeFileSync(path.join(checkout, "stray.js"), "not checked\n");
    expect(run().status).toBe(0);
    expect(git(origin, "ls-tree", "--name-only", UPDATE_BRANCH)).toBe("actions.ts");
  });

  it("rewrites its own branch and edits the open pull request on the next run", () => {
    const first = setUp("");
    expect(first.run().status).toBe(0);
    // A week later: a newer release, the same open pull request.
    const checkout = path.join(path.dirname(first.checkout), "next");
    git(path.dirname(checkout), "clone", "--quiet", "--depth=1", `file://${first.origin}`, checkout);
    fs.writeFileSync(path.join(checkout, "actions.ts"), "newer\n");
    git(checkout, "add", "actions.ts");
    const bin = path.join(path.dirname(checkout), "bin");
    fs.writeFileSync(path.join(bin, "gh"), fs.readFileSync(path.join(bin, "gh"), "utf8").replace(`printf '%s\\n' ""`, "printf '%s\\n' 7"));
    const result = spawnSync("bash", ["-c", scriptFiles("open-update-pull-request")], {
      cwd: checkout,
      encoding: "utf8",
      env: { PATH: `${bin}:${process.env.PATH}`, HOME: path.dirname(checkout), GH_TOKEN: "ghs_app", AUTHOR, BRANCH: UPDATE_BRANCH, BASE: "main", TITLE: "Update pinned actions: 1 action", BODY_FILE: first.body, GITHUB_REPOSITORY: "acme/mlops-cicd" },
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("Updated pull request #7.");
    expect(git(first.origin, "show", `${UPDATE_BRANCH}:actions.ts`)).toBe("newer");
    expect(git(first.origin, "rev-list", "--count", `main..${UPDATE_BRANCH}`)).toBe("1");
    expect(first.ghCalls().at(-1)).toBe(`pr edit 7 --repo acme/mlops-cicd --title Update pinned actions: 1 action --body-file ${first.body}`);
  });

  it("leaves the branch alone when someone else has pushed to it", () => {
    const { origin, seed, run, ghCalls } = setUp("7");
    git(seed, "switch", "--quiet", "-c", UPDATE_BRANCH);
    fs.writeFileSync(path.join(seed, "ci-cd.ts"), "adapted to the new major\n");
    git(seed, "add", ".");
    git(seed, "commit", "--quiet", "-m", "Adapt the build step to the new major");
    git(seed, "push", "--quiet", origin, UPDATE_BRANCH);
    const before = git(origin, "rev-parse", UPDATE_BRANCH);
    const result = run();
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`::warning::${UPDATE_BRANCH} has commits from someone else: left as it is.`);
    expect(git(origin, "rev-parse", UPDATE_BRANCH)).toBe(before);
    expect(ghCalls()).toEqual([]);
  });
});

describe("update-actions.yml", () => {
  const workflow: Doc = parse(renderedPlatformWorkflows().get("update-actions.yml") as string);
  const update = workflow.jobs.update;
  const pullRequest = workflow.jobs["pull-request"];
  const step = (job: Doc, name: string): Doc => job.steps.find((candidate: Doc) => candidate.name === name);

  it("runs weekly and by hand, from main only, one run at a time", () => {
    expect(workflow.on).toEqual({ schedule: [{ cron: "23 5 * * 1" }], workflow_dispatch: null });
    expect(update.if).toBe("github.ref == 'refs/heads/main'");
    expect(workflow.concurrency).toEqual({ group: "update-actions", "cancel-in-progress": false });
  });

  it("moves the pins in a job that holds no secret, no environment and a read-only token", () => {
    expect(Object.keys(workflow.jobs)).toEqual(["update", "pull-request"]);
    expect(workflow.permissions).toEqual({});
    expect(update.permissions).toEqual({ contents: "read" });
    expect(update.environment).toBeUndefined();
    expect(JSON.stringify(update)).not.toContain("secrets.");
    expect(JSON.stringify(update)).not.toContain("vars.");
    // npm's packages need no install script to update the pins and render.
    expect(update.steps.filter((candidate: Doc) => /\bnpm ci\b/.test(candidate.run ?? "")).map((candidate: Doc) => candidate.run)).toEqual(["npm ci --ignore-scripts --no-audit --no-fund"]);
  });

  it("opens the pull request in a job that runs nothing of npm's, with the App's key in its environment", () => {
    expect(pullRequest.needs).toEqual(["update"]);
    expect(pullRequest.environment).toEqual({ name: "update-actions" });
    expect(pullRequest.permissions).toEqual({ contents: "read" });
    // No setup-node or other action of the update job's; no command that starts node or npm.
    const actions = new Set([ACTIONS.checkout, ACTIONS.downloadArtifact, ACTIONS.githubAppToken].map(usesOf));
    for (const candidate of pullRequest.steps as Doc[]) {
      const commands = (candidate.run ?? "").split("\n").filter((line: string) => /^\s*(npm|npx|node|yarn|pnpm)\s/.test(line));
      expect({ step: candidate.name, uses: candidate.uses === undefined || actions.has(candidate.uses), commands }).toEqual({ step: candidate.name, uses: true, commands: [] });
    }
    const token = step(pullRequest, "GitHub App token for this repository's update branch");
    expect(token.with).toEqual({
      "client-id": "${{ vars.UPDATE_ACTIONS_APP_CLIENT_ID }}",
      "private-key": "${{ secrets.UPDATE_ACTIONS_APP_PRIVATE_KEY }}",
      owner: "${{ github.repository_owner }}",
      repositories: "${{ github.event.repository.name }}",
      "permission-contents": "write",
      "permission-pull-requests": "write",
      "permission-workflows": "write",
    });
    // Minted after the patch is checked: a refused patch never meets the key.
    const names = pullRequest.steps.map((candidate: Doc) => candidate.name);
    expect(names.indexOf(token.name)).toBeGreaterThan(names.indexOf("Apply the patch, if it only moves pins"));
    // A pull request opened with GITHUB_TOKEN would start no preview.
    expect(step(pullRequest, "Open or update the pull request").env).toMatchObject({ GH_TOKEN: "${{ steps.app-token.outputs.token }}", TITLE: "${{ needs.update.outputs.title }}" });
    for (const other of pullRequest.steps as Doc[]) {
      if (other !== token) expect({ step: other.name, key: JSON.stringify(other).includes("UPDATE_ACTIONS_APP_PRIVATE_KEY") }).toEqual({ step: other.name, key: false });
    }
  });

  it("hands over the patch and the body only when a pin moved, and opens the pull request only then", () => {
    expect(step(update, "Move pins to their newest releases").run).toContain('npm run -s update-actions -- --body "$BODY_FILE" --github-output "$GITHUB_OUTPUT"');
    expect(step(update, "Re-render the generated files").run).toContain("npm run -s gen");
    for (const name of ["Re-render the generated files", "Write the change as a patch", "Hand the patch and the pull request's body over"]) {
      expect(step(update, name).if).toBe("steps.update.outputs.changed == 'true'");
    }
    expect(update.outputs).toEqual({ changed: "${{ steps.update.outputs.changed }}", title: "${{ steps.update.outputs.title }}" });
    expect(pullRequest.if).toBe("needs.update.outputs.changed == 'true'");
    const upload = step(update, "Hand the patch and the pull request's body over").with;
    const download = step(pullRequest, "Download the patch and the pull request's body").with;
    expect(upload.path.split("\n")).toEqual([step(update, "Move pins to their newest releases").env.BODY_FILE, step(update, "Write the change as a patch").env.PATCH_FILE]);
    // The files' common folder is the artifact's root; they download into a folder of their own.
    expect(upload.path).toBe("${{ runner.temp }}/update-actions.md\n${{ runner.temp }}/update-actions.patch");
    expect(download).toEqual({ name: upload.name, path: "${{ runner.temp }}/update-actions" });
    expect(step(pullRequest, "Apply the patch, if it only moves pins").env.PATCH_FILE).toBe("${{ runner.temp }}/update-actions/update-actions.patch");
    expect(step(pullRequest, "Open or update the pull request").env.BODY_FILE).toBe("${{ runner.temp }}/update-actions/update-actions.md");
  });

  it("lets the patch change the pins and every committed file a pin is rendered into, and nothing else", () => {
    const allowed: string[] = step(pullRequest, "Apply the patch, if it only moves pins").env.UPDATABLE_PATHS.split("\n");
    expect(allowed).toEqual([
      "workflows/actions.ts",
      ...[
        ...[...renderedPlatformWorkflows().keys()].map((name) => `.github/workflows/${name}`),
        ...[...renderedWorkflowsByStack()].flatMap(([stack, files]) => [...files.keys()].map((name) => `workflows/__rendered__/${stack}/${name}`)),
      ].sort(),
    ]);
    // Every generated file a pin's SHA appears in (tests quote some, but are not generated).
    const root = path.join(__dirname, "..");
    const holders = new Set<string>();
    for (const pin of Object.values(ACTIONS)) {
      const found = spawnSync("git", ["grep", "-l", pin.sha, "--", ".", ":!tests"], { cwd: root, encoding: "utf8" });
      for (const file of found.stdout.split("\n").filter(Boolean)) holders.add(file);
    }
    expect([...holders].sort()).toEqual([...allowed].sort());
  });
});

describe("apply-update-patch.sh: the pull-request job's check of the update job's patch, in a real git repository", () => {
  const workflow: Doc = parse(renderedPlatformWorkflows().get("update-actions.yml") as string);
  const writeStep: Doc = workflow.jobs.update.steps.find((candidate: Doc) => candidate.name === "Write the change as a patch");
  const applyStep: Doc = workflow.jobs["pull-request"].steps.find((candidate: Doc) => candidate.name === "Apply the patch, if it only moves pins");
  const allowed: string[] = applyStep.env.UPDATABLE_PATHS.split("\n");
  const git = (cwd: string, ...args: string[]) => {
    const result = spawnSync("git", ["-c", "user.name=Someone", "-c", "user.email=someone@example.com", ...args], { cwd, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
    return result.stdout.trim();
  };
  const bash = (cwd: string, run: string, env: Record<string, string>) => spawnSync("bash", ["-c", run], { cwd, encoding: "utf8", env: { PATH: process.env.PATH, HOME: cwd, ...env } });

  let template: string | undefined;
  afterAll(() => template && fs.rmSync(template, { recursive: true, force: true }));
  /** main with the pins, two files rendered from them and files no pin reaches, committed once. */
  function mainTemplate(): string {
    if (template === undefined) {
      template = fs.mkdtempSync(path.join(os.tmpdir(), "update-patch-template-"));
      const files: Record<string, string> = {
        "workflows/actions.ts": "checkout v1\n",
        [allowed[1]]: "uses: checkout@v1\n",
        [allowed.at(-1) as string]: "uses: checkout@v1\n",
        "package.json": '{"scripts":{}}\n',
        "workflows/__rendered__/platform/mlops-monitor.cjs": "bundle\n",
        "images/logo.png": "\x89PNG\r\n\x1a\n\0binary",
      };
      git(template, "init", "--quiet", "--initial-branch=main", ".");
      for (const [file, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(template, file)), { recursive: true });
        fs.writeFileSync(path.join(template, file), content);
      }
      git(template, "add", ".");
      git(template, "commit", "--quiet", "-m", "main");
    }
    return template;
  }

  /**
   * GIVEN main with the pins, two files rendered from them and files no pin reaches; WHEN the update
   * job's step writes its change (made by `change`) as a patch and the pull-request job's step applies
   * it to a fresh checkout of main; THEN what the apply step did, and what it left in the index.
   */
  function handOver(change: (work: string) => void) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "update-patch-"));
    const main = path.join(dir, "main");
    // A copy of main, made once: the clones below read its commits, never its working tree.
    fs.cpSync(mainTemplate(), main, { recursive: true, verbatimSymlinks: true });
    const update = path.join(dir, "update");
    const pullRequest = path.join(dir, "pull-request");
    git(dir, "clone", "--quiet", main, update);
    git(dir, "clone", "--quiet", main, pullRequest);
    change(update);
    const patch = path.join(dir, "update-actions.patch");
    const written = bash(update, writeStep.run, { PATCH_FILE: patch });
    if (written.status !== 0) throw new Error(`writing the patch: ${written.stderr}`);
    const applied = bash(pullRequest, applyStep.run, { PATCH_FILE: patch, UPDATABLE_PATHS: applyStep.env.UPDATABLE_PATHS });
    return { ...applied, staged: git(pullRequest, "diff", "--cached", "--name-only").split("\n").filter(Boolean), read: (file: string) => fs.readFileSync(path.join(pullRequest, file), "utf8") };
  }
  const movePins = (work: string) => {
    fs.writeFileSync(path.join(work, "workflows/actions.ts"), "checkout v2\n");
    fs.writeFileSync(path.join(work, allowed[1]), "uses: checkout@v2\n");
    fs.writeFileSync(path.join(work, allowed.at(-1) as string), "uses: checkout@v2\n");
  };

  it("applies the moved pins and their rendered files to the index", () => {
    const result = handOver(movePins);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    expect(result.stdout).toBe("Applied the update job's patch: 3 files, all of them the pins' or rendered from them.\n");
    expect(result.staged).toEqual(["workflows/actions.ts", allowed[1], allowed.at(-1)].sort());
    expect(result.read("workflows/actions.ts")).toBe("checkout v2\n");
  });

  it("refuses a patch that also changes package.json, naming it", () => {
    const result = handOver((work) => {
      movePins(work);
      fs.writeFileSync(path.join(work, "package.json"), '{"scripts":{"postinstall":"curl evil"}}\n');
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain("::error::The update job's patch changes more than the pins and the files rendered from them; nothing was pushed:\n  • package.json: not a file a pin reaches\nOnly these may change: workflows/actions.ts, .github/workflows/");
    expect(result.stdout).toContain("run `npm run gen` there and commit");
  });

  it("refuses a generated file no pin reaches, a binary file, a new file, a deletion and a mode change", () => {
    const result = handOver((work) => {
      fs.writeFileSync(path.join(work, "workflows/__rendered__/platform/mlops-monitor.cjs"), "another bundle\n");
      fs.writeFileSync(path.join(work, "images/logo.png"), "\x89PNG\r\n\x1a\n\0other");
      fs.writeFileSync(path.join(work, ".github/workflows/exfiltrate.yml"), "on: pull_request\n");
      fs.rmSync(path.join(work, allowed[1]));
      fs.chmodSync(path.join(work, allowed.at(-1) as string), 0o755);
    });
    expect(result.status).toBe(1);
    expect(result.stdout.split("\n").filter((line) => line.startsWith("  • "))).toEqual(
      [
        "  • .github/workflows/exfiltrate.yml: not a file a pin reaches",
        `  • ${allowed[1]}: added, deleted or changed in type (status D), where only its content may change`,
        "  • images/logo.png: not a file a pin reaches",
        `  • ${allowed.at(-1)}: mode 100644 to 100755, where it stays a regular file (100644)`,
        "  • workflows/__rendered__/platform/mlops-monitor.cjs: not a file a pin reaches",
      ].sort(),
    );
  });

  it("refuses a symbolic link where a rendered file was", () => {
    const result = handOver((work) => {
      fs.rmSync(path.join(work, "workflows/actions.ts"));
      fs.symlinkSync("/etc/passwd", path.join(work, "workflows/actions.ts"));
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain("  • workflows/actions.ts: added, deleted or changed in type (status T), where only its content may change");
  });

  it("refuses an empty patch, and one that does not apply to the checkout", () => {
    const empty = handOver(() => undefined);
    expect(empty.status).toBe(1);
    expect(empty.stdout).toMatch(/^::error::The update job moved pins but handed over no patch \(.*update-actions\.patch is missing or empty\)/);
    const stale = handOver((work) => {
      movePins(work);
      // The update job's checkout was not the commit this one checked out.
      git(work, "commit", "--quiet", "-am", "elsewhere");
      fs.writeFileSync(path.join(work, "workflows/actions.ts"), "checkout v3\n");
    });
    expect(stale.status).toBe(1);
    expect(stale.stdout).toContain("::error::The update job's patch does not apply to this job's checkout");
    expect(stale.stderr).toContain("patch does not apply");
    expect(stale.staged).toEqual([]);
  });
});
