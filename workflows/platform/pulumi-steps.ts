/**
 * Steps of this repository's own workflows: set up the program, install the Pulumi CLI, get
 * credentials, preview or update a stack, keep a copy of its state.
 *
 * What they read from this repository's settings (docs/delivery.md):
 * - variables `PULUMI_BACKEND_URL` (the state backend, e.g. `s3://…`), `PULUMI_STATE_BACKUP_URI`
 *   (where state exports go), `AWS_REGION`, `PULUMI_PREVIEW_ROLE_ARN` (read-only, no secret values:
 *   pull requests), `PULUMI_DRIFT_ROLE_ARN` (read-only with the secrets a refresh reads and the
 *   state backup: `main` only), `PREVIEW_APP_CLIENT_ID` (the Client ID of a read-only GitHub App), `PLATFORM_APP_INSTALLATION_ID`;
 * - per environment (`staging`, `production`) the variable `PULUMI_DEPLOY_ROLE_ARN` and the secret
 *   `PLATFORM_APP_PRIVATE_KEY` (the App that may change the application repository);
 * - the repository secret `PREVIEW_APP_PRIVATE_KEY`.
 * The stacks' own secrets are encrypted in their stack files with the backend's KMS key, which both
 * roles may use; nothing else is needed to decrypt them.
 */
import { NON_CHANGING_OPS } from "../../contracts/pr-comment";
import { ACTIONS } from "../actions";
import type { Step } from "../model";
import { checkout, scriptFiles } from "../steps";

/**
 * Where Pulumi jobs run: GitHub's hosted runner, a fresh machine per job. No job needs a path into
 * the VPC (the database provisioner runs inside it, docs/decisions/0003-database-provisioning.md),
 * so no persistent machine is shared between a pull request's preview and an update.
 */
export const PULUMI_RUNNER = "ubuntu-24.04";

/** The environment every Pulumi job runs with. */
export const PULUMI_ENV = Object.freeze({
  PULUMI_BACKEND_URL: "${{ vars.PULUMI_BACKEND_URL }}",
  // No prompts, no update banner, no colour codes in logs and comments.
  PULUMI_SKIP_UPDATE_CHECK: "true",
  PULUMI_SKIP_CONFIRMATIONS: "true",
  NO_COLOR: "1",
});

export function setupNode(version: string): Step {
  return { name: "Set up Node.js", uses: ACTIONS.setupNode, with: { "node-version": version, cache: "npm" } };
}

export function installDependencies(): Step {
  return { name: "Install dependencies", run: "npm ci --no-audit --no-fund" };
}

/**
 * The start of every Pulumi job: the checkout, Node and the program's dependencies, the Pulumi CLI,
 * and AWS as the role named by `roleVariable`.
 */
export function pulumiJobSetup(nodeVersion: string, pulumiVersion: string, roleVariable: string): Step[] {
  return [checkout(), setupNode(nodeVersion), installDependencies(), installPulumi(pulumiVersion), assumeRole(roleVariable)];
}

/**
 * The Pulumi CLI of `version` from its GitHub release, checked against the release's checksums
 * before it runs: no install script piped to a shell.
 */
export function installPulumi(version: string): Step {
  return {
    name: `Install the Pulumi CLI ${version}`,
    env: { PULUMI_VERSION: version },
    run: scriptFiles("install-pulumi"),
  };
}

/** AWS credentials through OIDC, as the role named by `roleVariable`. */
export function assumeRole(roleVariable: string): Step {
  return {
    name: "Configure AWS credentials (OIDC)",
    uses: ACTIONS.awsCredentials,
    with: {
      "role-to-assume": `\${{ vars.${roleVariable} }}`,
      "aws-region": "${{ vars.AWS_REGION }}",
      "role-session-name": "pulumi-${{ github.run_id }}-${{ github.run_attempt }}",
    },
  };
}

/**
 * A one-hour installation token of the read-only preview App, limited to the application
 * repositories: what previews and drift detection read GitHub with. The platform App, which may
 * change those repositories, only reaches jobs of a protected environment.
 */
export function githubAppToken(repositories: readonly string[]): Step {
  const [owner] = repositories[0].split("/");
  return {
    id: "app-token",
    name: "Read-only GitHub App token for the application repository",
    uses: ACTIONS.githubAppToken,
    with: {
      "client-id": "${{ vars.PREVIEW_APP_CLIENT_ID }}",
      "private-key": "${{ secrets.PREVIEW_APP_PRIVATE_KEY }}",
      owner,
      repositories: [...new Set(repositories.map((repository) => repository.split("/")[1]))].sort().join(","),
    },
  };
}

/** Where the program finds the App's credentials when it updates a stack (infra/config.ts). */
export const GITHUB_APP_ENV = Object.freeze({
  GITHUB_APP_INSTALLATION_ID: "${{ vars.PLATFORM_APP_INSTALLATION_ID }}",
  GITHUB_APP_PEM_FILE: "${{ secrets.PLATFORM_APP_PRIVATE_KEY }}",
});

/** jq: how many steps of a preview change something, by the comment's own reading of the ops. */
export const changingSteps = `[.steps[]? | select(.op | IN(${[...NON_CHANGING_OPS].sort().map((op) => `"${op}"`).join(", ")}) | not)] | length`;

export interface PreviewArgs {
  readonly id: string;
  readonly name: string;
  /** Expression or literal for the stack. */
  readonly stack: string;
  /** The JSON file the preview writes. */
  readonly output: string;
  /** Refresh first and expect no changes: drift detection. */
  readonly refresh?: boolean;
  /** More environment for the preview, such as the GitHub token it reads with. */
  readonly env?: Readonly<Record<string, string>>;
  readonly if?: string;
}

/**
 * `pulumi preview --json` with the policy pack. The step succeeds whatever the preview's outcome, so
 * the JSON (or, when the engine stopped before writing any, its messages as one error diagnostic) is
 * always there for the comment or the drift issue; `exit_code` says how the preview ended.
 */
export function preview(args: PreviewArgs): Step {
  return {
    id: args.id,
    name: args.name,
    if: args.if,
    env: { ...args.env, STACK: args.stack, OUTPUT: args.output, REFRESH: args.refresh ? "--refresh --expect-no-changes" : "", CHANGING_STEPS: changingSteps },
    run: scriptFiles("pulumi-preview"),
  };
}

/**
 * `pulumi up` of one stack with the policy pack: a mandatory violation stops it before any change.
 * `continueOnError`: a failed resource does not stop the others (a rebuild creates all it can, and
 * still fails at the end).
 */
export function up(stack: string, continueOnError = false): Step {
  return {
    id: "up",
    name: `pulumi up --stack ${stack}`,
    // The App's key reaches this step alone: not the installs, downloads or actions around it.
    env: { ...GITHUB_APP_ENV, STACK: stack },
    run: `pulumi up --stack "$STACK" --policy-pack policy --yes --non-interactive --diff --suppress-progress${continueOnError ? " --continue-on-error" : ""}`,
  };
}

/**
 * A copy of the stack's state after every update and every night: `pulumi stack export`, kept as a
 * run artifact and, when `PULUMI_STATE_BACKUP_URI` is set, in that S3 location (secrets stay
 * encrypted in it). docs/disaster-recovery.md restores from it. Runs once the step `after` (the
 * update or the preview) has run, whatever its outcome: the state then is what a recovery starts
 * from.
 */
export function backUpState(stack: string, after: string): Step[] {
  const ran = `!cancelled() && steps.${after}.outcome != 'skipped'`;
  return [
    {
      name: "Export the stack's state",
      if: ran,
      env: { STACK: stack, BACKUP_URI: "${{ vars.PULUMI_STATE_BACKUP_URI }}" },
      // To the backup bucket only, never a run artifact: anyone who can read the repository can
      // download artifacts, and an export holds every resource's state and every secret's ciphertext.
      run: scriptFiles("export-state"),
    },
  ];
}
