import * as github from "./sdk";
import * as pulumi from "@pulumi/pulumi";
import { EnvironmentProfile } from "../environments";

/** What GitHub enforces on an environment: a deployment environment's profile, or the monitoring job's. */
export type EnvironmentRules = Pick<
  EnvironmentProfile,
  "waitTimerMinutes" | "requiresReviewers" | "preventSelfReview" | "defaultBranchOnly" | "adminsCanBypass"
> & { readonly name: string };

export interface DeploymentEnvironmentArgs {
  /** Name of the application repository (without the owner). */
  readonly repository: string;
  /** The environment's fixed protection rules and naming. */
  readonly profile: EnvironmentRules;
  /** The branch allowed to deploy when the profile restricts deployments to the default branch. */
  readonly defaultBranch: string;
  /**
   * GitHub logins and team slugs required to approve a deployment. Resolved to the numeric IDs the
   * environments API takes.
   * @default no reviewers (allowed only where the profile does not require them)
   */
  readonly reviewers?: { readonly users: readonly string[]; readonly teams: readonly string[] };
  /**
   * Actions variables visible only to jobs that run in this environment, by name.
   * @default none
   */
  readonly variables?: Readonly<Record<string, pulumi.Input<string>>>;
  /**
   * Actions secrets visible only to jobs that run in this environment, by name. Every value is
   * wrapped as a Pulumi secret, whatever its origin.
   * @default none
   */
  readonly secrets?: Readonly<Record<string, pulumi.Input<string>>>;
}

/**
 * A GitHub deployment environment of the application repository with its protection rules and its
 * own variables and secrets.
 */
export class DeploymentEnvironment extends pulumi.ComponentResource {
  readonly environment: github.RepositoryEnvironment;
  /** The default-branch-only deployment rule, where the profile asks for one. */
  readonly deploymentPolicy: github.RepositoryEnvironmentDeploymentPolicy | undefined;
  readonly variables: readonly github.ActionsEnvironmentVariable[];
  readonly secrets: readonly github.ActionsEnvironmentSecret[];
  /** The environment's name, once GitHub has it: jobs that reference it wait for this. */
  readonly name: pulumi.Output<string>;

  constructor(name: string, args: DeploymentEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mlops-cicd:github:DeploymentEnvironment", name, {}, opts);

    const { profile, repository } = args;
    const users = args.reviewers?.users ?? [];
    const teams = args.reviewers?.teams ?? [];
    if (profile.requiresReviewers && users.length + teams.length === 0) {
      throw new Error(`DeploymentEnvironment ${name}: the ${profile.name} environment requires at least one reviewer.`);
    }

    const userIds = users.map((username) =>
      github.getUserOutput({ username }, { parent: this }).id.apply((id) => Number(id)),
    );
    const teamIds = teams.map((slug) =>
      github.getTeamOutput({ slug, summaryOnly: true }, { parent: this }).id.apply((id) => Number(id)),
    );

    this.environment = new github.RepositoryEnvironment(
      name,
      {
        repository,
        environment: profile.name,
        waitTimer: profile.waitTimerMinutes,
        preventSelfReview: profile.preventSelfReview,
        canAdminsBypass: profile.adminsCanBypass,
        reviewers: userIds.length + teamIds.length > 0 ? [{ users: userIds, teams: teamIds }] : undefined,
        deploymentBranchPolicy: profile.defaultBranchOnly
          ? { protectedBranches: false, customBranchPolicies: true }
          : undefined,
      },
      { parent: this },
    );
    const environmentName = this.environment.environment;

    this.deploymentPolicy = profile.defaultBranchOnly
      ? new github.RepositoryEnvironmentDeploymentPolicy(
          `${name}-${args.defaultBranch}-only`,
          { repository, environment: environmentName, branchPattern: args.defaultBranch },
          { parent: this },
        )
      : undefined;

    this.variables = sortedEntries(args.variables).map(
      ([variableName, value]) =>
        new github.ActionsEnvironmentVariable(
          `${name}-${variableName}`,
          { repository, environment: environmentName, variableName, value },
          { parent: this },
        ),
    );
    this.secrets = sortedEntries(args.secrets).map(
      ([secretName, value]) =>
        new github.ActionsEnvironmentSecret(
          `${name}-${secretName}`,
          { repository, environment: environmentName, secretName, value: pulumi.secret(value) },
          { parent: this },
        ),
    );
    this.name = environmentName;

    this.registerOutputs({ name: this.name });
  }
}

/** Name order, so resource registration (and synth output) never depends on object literal order. */
export function sortedEntries<T>(record: Readonly<Record<string, T>> | undefined): [string, T][] {
  return Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
