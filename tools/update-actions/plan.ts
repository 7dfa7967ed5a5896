/**
 * Which pins move, and the pull request that moves them. A pin moves to its repository's newest
 * release when that is a higher version than the pin's; never down, never to a prerelease. Pins of
 * one repository (CodeQL's three actions) move together, asked about once.
 */
import { GitHubApi, compareVersions, parseVersion } from "./github";
import type { PinLine } from "./pins";
import { UPDATE_BRANCH, UPDATE_MARKER } from "../../contracts/update-actions";

export interface PinUpdate {
  /** The ACTIONS keys that move, in file order: several when one repository has several actions. */
  readonly keys: readonly string[];
  readonly repository: string;
  readonly from: { readonly version: string; readonly sha: string };
  readonly to: { readonly version: string; readonly sha: string; readonly releaseUrl: string };
  /**
   * A breaking release by semantic versioning: the major version changes, or the minor one of a
   * 0.x action (trivy-action). Its changelog may hold changes the workflows must adapt to.
   */
  readonly major: boolean;
}

export interface Plan {
  readonly updates: PinUpdate[];
  /** Repositories with no release to compare with (tags only, or only prereleases): never moved, so said. */
  readonly withoutRelease: string[];
}

export async function planUpdates(pins: readonly PinLine[], api: GitHubApi): Promise<Plan> {
  const byRepository = new Map<string, PinLine[]>();
  for (const pin of pins) byRepository.set(pin.repository, [...(byRepository.get(pin.repository) ?? []), pin]);
  const updates: PinUpdate[] = [];
  const withoutRelease: string[] = [];
  for (const [repository, group] of byRepository) {
    const versions = new Set(group.map((pin) => `${pin.version} ${pin.sha}`));
    if (versions.size > 1) throw new Error(`${repository}: its actions are pinned to different releases (${[...versions].join(", ")}); pin them to one release by hand first.`);
    const current = parseVersion(group[0].version);
    if (current === undefined) throw new Error(`${repository}: pinned as "${group[0].version}" (line ${group[0].line}), which is not a release version vX.Y.Z to compare with.`);
    const release = await api.latestRelease(repository);
    if (release === undefined) {
      withoutRelease.push(repository);
      continue;
    }
    // latestRelease returns only tags that parse.
    const latest = parseVersion(release.tag) as readonly number[];
    if (compareVersions(latest, current) <= 0) continue;
    updates.push({
      keys: group.map((pin) => pin.key),
      repository,
      from: { version: group[0].version, sha: group[0].sha },
      to: { version: release.tag, sha: await api.commitOf(repository, release.tag), releaseUrl: release.url },
      major: latest[0] !== current[0] || (current[0] === 0 && latest[1] !== current[1]),
    });
  }
  return { updates, withoutRelease };
}

export function pullRequestTitle(updates: readonly PinUpdate[]): string {
  const majors = updates.filter((update) => update.major).length;
  const count = `${updates.length} action${updates.length === 1 ? "" : "s"}`;
  return `Update pinned actions: ${count}${majors > 0 ? `, ${majors} major` : ""}`;
}

/** Markdown: each move with its versions, commits and release notes; major moves first and flagged. */
export function pullRequestBody(updates: readonly PinUpdate[]): string {
  const ordered = [...updates].sort((a, b) => Number(b.major) - Number(a.major) || (a.repository < b.repository ? -1 : 1));
  const row = (update: PinUpdate) =>
    `| ${update.major ? "**major** " : ""}[\`${update.repository}\`](https://github.com/${update.repository}) | ${update.from.version} \`${update.from.sha}\` | ${update.to.version} \`${update.to.sha}\` | [${update.to.version}](${update.to.releaseUrl}), [changes](https://github.com/${update.repository}/compare/${update.from.version}...${update.to.version}) |`;
  const majors = ordered.filter((update) => update.major);
  return [
    UPDATE_MARKER,
    "Pinned actions in `workflows/actions.ts` with a newer release, each pinned to the commit its release tag points at (annotated tags followed), and the workflows re-rendered (`npm run gen`).",
    "",
    "| action | from | to | release notes |",
    "| --- | --- | --- | --- |",
    ...ordered.map(row),
    "",
    ...(majors.length > 0
      ? [
          "> [!IMPORTANT]",
          `> ${majors.map((update) => `\`${update.repository}\``).join(", ")} ${majors.length === 1 ? "changes its" : "change their"} major version: read the release notes and changelog for removed or renamed inputs, changed outputs and a new runtime, and adapt the steps that use ${majors.length === 1 ? "it" : "them"} in this branch before merging. The preview and the tests show what the rendered workflows do, not how the action behaves on GitHub's runners.`,
          "",
        ]
      : []),
    `Opened by \`update-actions.yml\` (\`tools/update-actions\`, docs/delivery.md). Each run rewrites the \`${UPDATE_BRANCH}\` branch from \`main\` while nobody else has pushed to it; push your adaptations to it and the next run leaves it alone.`,
    "",
  ].join("\n");
}
