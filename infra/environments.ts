/**
 * The deployment environments this program knows. A stack manages exactly one of them: the
 * environment's GitHub protection rules and variable prefix are fixed here, in code, because the
 * spec fixes them; who reviews and where things live come from stack config.
 */
export interface EnvironmentProfile {
  /** The GitHub environment name, as jobs reference it (`environment: production`). */
  readonly name: EnvironmentName;
  /** Prefix of the environment's own variables and secrets (`STAGING_API_URL`, `PROD_DB_HOST`). */
  readonly variablePrefix: string;
  /** Minutes a deployment waits after approval before it starts. */
  readonly waitTimerMinutes: number;
  /** Whether at least one required reviewer must approve every deployment. */
  readonly requiresReviewers: boolean;
  /** Whether the person who triggered a deployment is barred from approving it. */
  readonly preventSelfReview: boolean;
  /**
   * Whether only the default branch may deploy to the environment. Written as an explicit branch
   * policy rather than GitHub's "protected branches" switch, whose meaning depends on which
   * branches GitHub counts as protected at the time (and is "all branches" when it counts none).
   */
  readonly defaultBranchOnly: boolean;
  /** Whether repository administrators may skip the rules above. */
  readonly adminsCanBypass: boolean;
  /** The fewest days of database backups the environment accepts. */
  readonly minBackupRetentionDays: number;
  /** Whether `dataProtection` must be on (Multi-AZ, deletion protection, final snapshot). */
  readonly requiresDataProtection: boolean;
}

export const ENVIRONMENT_NAMES = ["staging", "production"] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

const PROFILES: Readonly<Record<EnvironmentName, EnvironmentProfile>> = Object.freeze({
  // The spec: "Deployment protection rules: None (auto-deploy)": no reviewer, no wait. Deployments
  // still come from the default branch only: the environment's deploy role (OIDC subject
  // `environment:staging`) must not be a pull request's or an unreviewed branch's to assume.
  staging: Object.freeze({
    name: "staging",
    variablePrefix: "STAGING",
    waitTimerMinutes: 0,
    requiresReviewers: false,
    preventSelfReview: false,
    defaultBranchOnly: true,
    adminsCanBypass: true,
    minBackupRetentionDays: 7,
    requiresDataProtection: false,
  }),
  // The spec: required reviewers (at least 1) and a 5-minute wait timer. Self-review prevention and
  // default-branch-only deployments close the two ways around a reviewer: approving your own run,
  // and deploying an unreviewed branch through `workflow_dispatch`.
  production: Object.freeze({
    name: "production",
    variablePrefix: "PROD",
    waitTimerMinutes: 5,
    requiresReviewers: true,
    preventSelfReview: true,
    defaultBranchOnly: true,
    adminsCanBypass: false,
    minBackupRetentionDays: 14,
    requiresDataProtection: true,
  }),
});

export function isEnvironmentName(value: string): value is EnvironmentName {
  return (ENVIRONMENT_NAMES as readonly string[]).includes(value);
}

export function environmentProfile(name: EnvironmentName): EnvironmentProfile {
  return PROFILES[name];
}
