/**
 * Every third-party action the workflows use, pinned to a full commit SHA: a tag can be moved to
 * other code after review, a commit cannot. The version is what the SHA was released as; the
 * renderer writes it beside the SHA (`# v4.2.2`) so Dependabot and reviewers can read it.
 *
 * @see https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#using-third-party-actions
 */

export interface ActionRef {
  /** `owner/repo`, or `owner/repo/path` for an action in a subfolder. */
  readonly action: string;
  /** The full 40-hex commit SHA. */
  readonly sha: string;
  /** The release tag that commit was published as. */
  readonly version: string;
}

function pin(action: string, sha: string, version: string): ActionRef {
  if (!/^[0-9a-f]{40}$/.test(sha)) throw new Error(`${action}: pin to a full 40-hex commit SHA, got "${sha}".`);
  return Object.freeze({ action, sha, version });
}

/** The `uses:` value for a pinned action. */
export function usesOf(ref: ActionRef): string {
  return `${ref.action}@${ref.sha}`;
}

export const ACTIONS = Object.freeze({
  checkout: pin("actions/checkout", "11bd71901bbe5b1630ceea73d27597364c9af683", "v4.2.2"),
  setupPython: pin("actions/setup-python", "0b93645e9fea7318ecaed2b359559ac225c90a2b", "v5.3.0"),
});
