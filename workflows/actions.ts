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
  checkout: pin("actions/checkout", "3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
  setupPython: pin("actions/setup-python", "5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
  uploadArtifact: pin("actions/upload-artifact", "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0"),
  downloadArtifact: pin("actions/download-artifact", "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", "v8.0.1"),
  githubScript: pin("actions/github-script", "ed597411d8f924073f98dfc5c65a23a2325f34cd", "v8.0.0"),
  setupBuildx: pin("docker/setup-buildx-action", "37fe631027851001ddb9b187196cc803df7f5f0e", "v4.3.0"),
  dockerLogin: pin("docker/login-action", "4907a6ddec9925e35a0a9e82d7399ccc52663121", "v4.1.0"),
  dockerMetadata: pin("docker/metadata-action", "dc802804100637a589fabce1cb79ff13a1411302", "v6.2.0"),
  dockerBuildPush: pin("docker/build-push-action", "53b7df96c91f9c12dcc8a07bcb9ccacbed38856a", "v7.3.0"),
  cosignInstaller: pin("sigstore/cosign-installer", "6f9f17788090df1f26f669e9d70d6ae9567deba6", "v4.1.2"),
  codeqlInit: pin("github/codeql-action/init", "8aad20d150bbac5944a9f9d289da16a4b0d87c1e", "v4.36.2"),
  codeqlUploadSarif: pin("github/codeql-action/upload-sarif", "8aad20d150bbac5944a9f9d289da16a4b0d87c1e", "v4.36.2"),
  codeqlAnalyze: pin("github/codeql-action/analyze", "8aad20d150bbac5944a9f9d289da16a4b0d87c1e", "v4.36.2"),
  trivy: pin("aquasecurity/trivy-action", "ed142fd0673e97e23eac54620cfb913e5ce36c25", "v0.36.0"),
  awsCredentials: pin("aws-actions/configure-aws-credentials", "e6de054238d6b7531b4efff3b6587d9aade6a06c", "v6.2.3"),
  setupNode: pin("actions/setup-node", "820762786026740c76f36085b0efc47a31fe5020", "v7.0.0"),
  githubAppToken: pin("actions/create-github-app-token", "1b10c78c7865c340bc4f6099eb2f838309f1e8c3", "v3.1.1"),
  slack: pin("slackapi/slack-github-action", "dcb1066f776dd043e64d0e8ba94ca15cc7e1875d", "v4.0.0"),
});
