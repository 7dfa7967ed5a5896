import * as github from "./sdk";
import * as pulumi from "@pulumi/pulumi";
import { GITHUB_ACTIONS_INTEGRATION_ID, IssueLabelSpec } from "../../contracts/github";
import { sortedEntries } from "./deployment-environment";
import type { RepositoryFileSpec } from "../../contracts/repository-files";

export interface RepositorySettingsArgs {
  /** Name of the application repository (without the owner). */
  readonly repository: string;
  /** The branch protected by the ruleset and receiving the committed files. */
  readonly defaultBranch: string;
  /**
   * App ID of the GitHub App this program runs as: the ruleset's only bypass actor, so the program
   * can commit `files` while nobody else, administrators included, can skip review.
   */
  readonly platformAppId: number;
  /** Check-run names that must pass, on an up-to-date branch, before a merge. */
  readonly requiredStatusChecks: readonly string[];
  /** Approving reviews required on a pull request. */
  readonly requiredApprovingReviews: number;
  /** Labels created, or adopted when they already exist. */
  readonly labels: readonly IssueLabelSpec[];
  /**
   * Repository-wide Actions secrets, by name; values are wrapped as Pulumi secrets.
   * @default none
   */
  readonly secrets?: Readonly<Record<string, pulumi.Input<string>>>;
  /**
   * Repository-wide Actions variables, by name: values that are not secret (a secret's value is
   * masked wherever it appears in a log).
   * @default none
   */
  readonly variables?: Readonly<Record<string, pulumi.Input<string>>>;
  /** Files committed to the default branch. Paths must be unique. */
  readonly files: readonly RepositoryFileSpec[];
}

/**
 * The repository-wide settings of the application repository: the ruleset that protects the
 * default branch, issue labels, repository secrets and the files the program commits. Exactly one
 * stack owns these (see docs/decisions/0001-stack-ownership.md).
 */
export class RepositorySettings extends pulumi.ComponentResource {
  readonly ruleset: github.RepositoryRuleset;
  readonly labels: readonly github.IssueLabel[];
  readonly secrets: readonly github.ActionsSecret[];
  readonly variables: readonly github.ActionsVariable[];
  readonly files: readonly github.RepositoryFile[];
  /** Paths of the committed files, in commit order. */
  readonly filePaths: pulumi.Output<string[]>;

  constructor(name: string, args: RepositorySettingsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mlops-cicd:github:RepositorySettings", name, {}, opts);

    const paths = args.files.map((file) => file.path);
    const duplicate = paths.find((path, index) => paths.indexOf(path) !== index);
    if (duplicate !== undefined) {
      throw new Error(`RepositorySettings ${name}: the file ${duplicate} is listed twice.`);
    }
    if (args.requiredStatusChecks.length === 0) {
      throw new Error(`RepositorySettings ${name}: at least one required status check is needed.`);
    }
    const { repository } = args;

    this.ruleset = new github.RepositoryRuleset(
      `${name}-default-branch`,
      {
        repository,
        name: `protect-${args.defaultBranch}`,
        target: "branch",
        enforcement: "active",
        conditions: { refName: { includes: [`refs/heads/${args.defaultBranch}`], excludes: [] } },
        // A ruleset, unlike classic branch protection, binds administrators unless they are listed
        // here; only the platform's App is, so it can land the files below without a pull request.
        bypassActors: [{ actorId: args.platformAppId, actorType: "Integration", bypassMode: "always" }],
        rules: {
          deletion: true,
          nonFastForward: true,
          pullRequest: {
            requiredApprovingReviewCount: args.requiredApprovingReviews,
            dismissStaleReviewsOnPush: true,
            requireCodeOwnerReview: true,
            requireLastPushApproval: true,
            requiredReviewThreadResolution: true,
          },
          requiredStatusChecks: {
            strictRequiredStatusChecksPolicy: true,
            requiredChecks: args.requiredStatusChecks.map((context) => ({
              context,
              integrationId: GITHUB_ACTIONS_INTEGRATION_ID,
            })),
          },
        },
      },
      { parent: this },
    );

    // github.IssueLabel updates a label that already exists instead of failing with 422, so labels
    // made by hand before the program ran are adopted.
    this.labels = args.labels.map(
      (label) =>
        new github.IssueLabel(
          `${name}-label-${label.name}`,
          { repository, name: label.name, color: label.color, description: label.description },
          { parent: this },
        ),
    );

    this.secrets = sortedEntries(args.secrets).map(
      ([secretName, value]) =>
        new github.ActionsSecret(
          `${name}-${secretName}`,
          { repository, secretName, value: pulumi.secret(value) },
          { parent: this },
        ),
    );

    this.variables = sortedEntries(args.variables).map(
      ([variableName, value]) => new github.ActionsVariable(`${name}-${variableName}`, { repository, variableName, value }, { parent: this }),
    );

    this.files = args.files.map(
      (file) =>
        new github.RepositoryFile(
          `${name}-file-${file.path}`,
          {
            repository,
            branch: args.defaultBranch,
            file: file.path,
            content: file.content,
            // "[skip ci]" keeps the program's own commits from starting push workflows.
            commitMessage: `chore(platform): update ${file.path} [skip ci]`,
            // Adopt a file that already exists (a hand-written CODEOWNERS) instead of failing.
            overwriteOnCreate: true,
          },
          { parent: this },
        ),
    );
    this.filePaths = pulumi.output(paths);

    this.registerOutputs({ filePaths: this.filePaths });
  }
}
