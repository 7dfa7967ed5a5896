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
  checkout: pin("actions/checkout", "34e114876b0b11c390a56381ad16ebd13914f8d5", "v4.3.1"),
  setupPython: pin("actions/setup-python", "a26af69be951a213d495a4c3e4e4022e16d87065", "v5.6.0"),
  uploadArtifact: pin("actions/upload-artifact", "ea165f8d65b6e75b540449e92b4886f43607fa02", "v4.6.2"),
  downloadArtifact: pin("actions/download-artifact", "d3f86a106a0bac45b974a628896c90dbdf5c8093", "v4.3.0"),
  githubScript: pin("actions/github-script", "f28e40c7f34bde8b3046d885e986cb6290c5673b", "v7.1.0"),
  setupBuildx: pin("docker/setup-buildx-action", "8d2750c68a42422c14e847fe6c8ac0403b4cbd6f", "v3.12.0"),
  dockerLogin: pin("docker/login-action", "c94ce9fb468520275223c153574b00df6fe4bcc9", "v3.7.0"),
  dockerMetadata: pin("docker/metadata-action", "c299e40c65443455700f0fdfc63efafe5b349051", "v5.10.0"),
  dockerBuildPush: pin("docker/build-push-action", "10e90e3645eae34f1e60eeb005ba3a3d33f178e8", "v6.19.2"),
  cosignInstaller: pin("sigstore/cosign-installer", "d7543c93d881b35a8faa02e8e3605f69b7a1ce62", "v3.10.0"),
  codeqlInit: pin("github/codeql-action/init", "6f5948dfacef28e207b48d0905cf90c03365536d", "v3.37.9"),
  codeqlUploadSarif: pin("github/codeql-action/upload-sarif", "6f5948dfacef28e207b48d0905cf90c03365536d", "v3.37.9"),
  codeqlAnalyze: pin("github/codeql-action/analyze", "6f5948dfacef28e207b48d0905cf90c03365536d", "v3.37.9"),
  trivy: pin("aquasecurity/trivy-action", "ed142fd0673e97e23eac54620cfb913e5ce36c25", "v0.36.0"),
  awsCredentials: pin("aws-actions/configure-aws-credentials", "7474bc4690e29a8392af63c5b98e7449536d5c3a", "v4.3.1"),
  setupNode: pin("actions/setup-node", "49933ea5288caeca8642d1e84afbd3f7d6820020", "v4.4.0"),
  githubAppToken: pin("actions/create-github-app-token", "df432ceedc7162793a195dd1713ff69aefc7379e", "v2.0.6"),
  slack: pin("slackapi/slack-github-action", "91efab103c0de0a537f72a35f6b8cda0ee76bf0a", "v2.1.1"),
});
