/**
 * GitHub: the production environment's deployment protection, and the protection of `main`.
 */
import { REQUIRED_STATUS_CHECKS } from "../../contracts/github";
import { GITHUB_ACTIONS_INTEGRATION_ID } from "../../contracts/github";
import { Props, TYPES, boolAt, isProductionName, listAt, listInProse, numberAt, recordAt, resourcePolicy, stackPolicy, stringAt } from "./common";

/** The spec's wait timer: time to cancel a deployment after it was approved. */
export const MIN_WAIT_TIMER_MINUTES = 5;

/** The branch the pack protects. */
export const PROTECTED_BRANCH = "main";

export const productionEnvironmentProtected = resourcePolicy({
  name: "production-environment-protected",
  description:
    `The production GitHub environment needs an approving reviewer, waits at least ${MIN_WAIT_TIMER_MINUTES} minutes, ` +
    "and does not let whoever started a deployment approve it.",
  enforcementLevel: "mandatory",
  types: [TYPES.environment],
  validate: ({ props }, reportViolation) => {
    // GitHub compares environment names without letter case: `Production` is `production`.
    if (!isProductionName(props.environment)) return;
    const reviewers = listAt(props.reviewers).reduce<number>((count, entry) => {
      const { users, teams } = recordAt(entry);
      return count + listAt(users).length + listAt(teams).length;
    }, 0);
    if (reviewers === 0) {
      reportViolation(
        "Environment `production` has no required reviewer: anyone who can run a workflow can deploy. " +
          "Add a user or team to `reviewers` (config `mlops-cicd:reviewerUsers` or `mlops-cicd:reviewerTeams`).",
      );
    }
    const waitTimer = numberAt(props.waitTimer);
    if (waitTimer === undefined || waitTimer < MIN_WAIT_TIMER_MINUTES) {
      reportViolation(
        `Environment \`production\` waits ${waitTimer ?? 0} minutes after approval; at least ${MIN_WAIT_TIMER_MINUTES} are required ` +
          `to leave time to cancel. Set \`waitTimer\` to ${MIN_WAIT_TIMER_MINUTES} or more (infra/environments.ts, waitTimerMinutes).`,
      );
    }
    if (boolAt(props.preventSelfReview) !== true) {
      reportViolation(
        "Environment `production` lets whoever started a deployment approve it. Set `preventSelfReview: true`.",
      );
    }
  },
});

/** Whether a branch-protection pattern (fnmatch, as GitHub applies it) covers `branch`. */
export function patternMatches(pattern: string, branch: string): boolean {
  const source = pattern
    .split(/(\*\*|\*|\?)/)
    .map((part) => (part === "**" ? ".*" : part === "*" ? "[^/]*" : part === "?" ? "[^/]" : part.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`).test(branch);
}

/** Whether a ref pattern of a ruleset's conditions names `main`. */
function namesMain(ref: unknown): boolean {
  return typeof ref === "string" && (ref === "~DEFAULT_BRANCH" || ref === "~ALL" || patternMatches(ref.replace(/^refs\/heads\//, ""), PROTECTED_BRANCH));
}

/** Whether a ruleset's ref conditions include `main` (and do not exclude it again). */
function rulesetCoversMain(props: Props): boolean {
  if (props.target !== undefined && props.target !== "branch") return false;
  const refName = recordAt(recordAt(props.conditions).refName);
  return listAt(refName.includes).some(namesMain) && !listAt(refName.excludes).some(namesMain);
}

/** Whether a ruleset names `main` at all, even to exclude it: one that does and does not cover it is a way around. */
function rulesetMentionsMain(props: Props): boolean {
  const refName = recordAt(recordAt(props.conditions).refName);
  return (props.target === undefined || props.target === "branch") && [...listAt(refName.includes), ...listAt(refName.excludes)].some(namesMain);
}

function missingChecks(present: readonly unknown[]): string[] {
  return REQUIRED_STATUS_CHECKS.filter((check) => !present.includes(check));
}

export const defaultBranchProtected = resourcePolicy({
  name: "default-branch-protected",
  description:
    `\`${PROTECTED_BRANCH}\` takes changes through reviewed pull requests only, on an up-to-date branch that passed ` +
    `${listInProse(REQUIRED_STATUS_CHECKS.map((check) => `\`${check}\``))}; administrators included, the platform's GitHub App excepted.`,
  enforcementLevel: "mandatory",
  types: [TYPES.ruleset, TYPES.branchProtection],
  validate: ({ type, props }, reportViolation) => {
    if (type === TYPES.ruleset) validateRuleset(props, reportViolation);
    else validateBranchProtection(props, reportViolation);
  },
});

function validateRuleset(props: Props, reportViolation: (message: string) => void): void {
  if (!rulesetCoversMain(props)) {
    if (rulesetMentionsMain(props)) {
      reportViolation(
        `Ruleset \`${stringAt(props.name) ?? "(unnamed)"}\` includes \`${PROTECTED_BRANCH}\` and excludes it again, so it protects nothing there. ` +
          `Remove \`${PROTECTED_BRANCH}\` (or ~DEFAULT_BRANCH) from \`conditions.refName.excludes\`.`,
      );
    }
    return;
  }
  const subject = `Ruleset \`${stringAt(props.name) ?? "(unnamed)"}\` on \`${PROTECTED_BRANCH}\``;
  if (props.enforcement !== "active") {
    reportViolation(`${subject} is \`${String(props.enforcement)}\`, so GitHub does not enforce it. Set \`enforcement: "active"\`.`);
  }
  const rules = recordAt(props.rules);
  const pullRequest = rules.pullRequest === undefined ? undefined : recordAt(rules.pullRequest);
  if ((numberAt(pullRequest?.requiredApprovingReviewCount) ?? 0) < 1) {
    reportViolation(`${subject} does not require an approving review. Set \`rules.pullRequest.requiredApprovingReviewCount\` to 1 or more.`);
  }
  const statusChecks = recordAt(rules.requiredStatusChecks);
  if (boolAt(statusChecks.strictRequiredStatusChecksPolicy) !== true) {
    reportViolation(
      `${subject} does not require branches to be up to date before merging. Set \`rules.requiredStatusChecks.strictRequiredStatusChecksPolicy: true\`.`,
    );
  }
  const missing = missingChecks(listAt(statusChecks.requiredChecks).map((check) => recordAt(check).context));
  if (missing.length > 0) {
    reportViolation(
      `${subject} does not require ${listInProse(missing.map((check) => `\`${check}\``))}. ` +
        "Add them to `rules.requiredStatusChecks.requiredChecks` (REQUIRED_STATUS_CHECKS in contracts/github.ts).",
    );
  }
  // A check any app can post is no check: each must come from GitHub Actions.
  const unbound = listAt(statusChecks.requiredChecks)
    .map((check) => recordAt(check))
    .filter((check) => numberAt(check.integrationId) !== GITHUB_ACTIONS_INTEGRATION_ID)
    .map((check) => `\`${String(check.context)}\``);
  if (unbound.length > 0) {
    reportViolation(
      `${subject} accepts ${listInProse(unbound)} from any app or token that posts a status of that name. ` +
        `Set \`integrationId: ${GITHUB_ACTIONS_INTEGRATION_ID}\` (GitHub Actions) on each required check.`,
    );
  }
  const actors = listAt(props.bypassActors).map((actor) => recordAt(actor));
  const bypassing = actors
    .filter((actor) => actor.actorType !== "Integration")
    .map((actor) => `${String(actor.actorType)}${actor.actorId === undefined ? "" : ` ${String(actor.actorId)}`}`);
  if (bypassing.length > 0) {
    reportViolation(
      `${subject} lets ${listInProse(bypassing)} bypass it: administrators follow the rules too. ` +
        'Remove every bypass actor but the platform\'s GitHub App (`actorType: "Integration"`).',
    );
  }
  const apps = actors.filter((actor) => actor.actorType === "Integration");
  if (apps.length > 1) {
    reportViolation(
      `${subject} lets ${apps.length} apps bypass it (${apps.map((actor) => String(actor.actorId)).join(", ")}): only the platform's own GitHub App may. ` +
        "Keep one `Integration` bypass actor, the App whose ID is `mlops-cicd:platformAppId`.",
    );
  }
}

function validateBranchProtection(props: Props, reportViolation: (message: string) => void): void {
  const pattern = stringAt(props.pattern);
  if (pattern === undefined || !patternMatches(pattern, PROTECTED_BRANCH)) return;
  const subject = `Branch protection \`${pattern}\``;
  const reviews = listAt(props.requiredPullRequestReviews).map((entry) => recordAt(entry));
  // GitHub's default when the block is present is one approval; a count it cannot read is none.
  const count = reviews[0]?.requiredApprovingReviewCount;
  const approvals = reviews.length === 0 ? 0 : count === undefined ? 1 : (numberAt(count) ?? 0);
  if (approvals < 1) {
    reportViolation(`${subject} does not require an approving review. Set \`requiredPullRequestReviews: [{ requiredApprovingReviewCount: 1 }]\` or more.`);
  }
  const statusChecks = recordAt(listAt(props.requiredStatusChecks)[0]);
  if (boolAt(statusChecks.strict) !== true) {
    reportViolation(`${subject} does not require branches to be up to date before merging. Set \`requiredStatusChecks: [{ strict: true, ... }]\`.`);
  }
  const missing = missingChecks(listAt(statusChecks.contexts));
  if (missing.length > 0) {
    reportViolation(
      `${subject} does not require ${listInProse(missing.map((check) => `\`${check}\``))}. ` +
        "Add them to `requiredStatusChecks[0].contexts` (REQUIRED_STATUS_CHECKS in contracts/github.ts).",
    );
  }
  if (boolAt(props.enforceAdmins) !== true) {
    reportViolation(`${subject} does not apply to administrators. Set \`enforceAdmins: true\`.`);
  }
}

/** Resources only the stack that owns a repository's settings declares. */
const REPOSITORY_SETTINGS_TYPES = ["github:index/repositoryFile:RepositoryFile", TYPES.actionsSecret, TYPES.actionsVariable];

export const repositorySettingsProtectMain = stackPolicy({
  name: "repository-settings-protect-main",
  description:
    `A stack that owns a repository's settings (commits files to it, publishes its repository secrets or variables) also protects its \`${PROTECTED_BRANCH}\` ` +
    "with an active ruleset or branch protection: default-branch-protected judges the one declared, this one that there is one.",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, reportViolation) => {
    const settings = resources.filter((resource) => REPOSITORY_SETTINGS_TYPES.includes(resource.type));
    const repositories = [...new Set(settings.map((resource) => stringAt(resource.props.repository)).filter((name): name is string => name !== undefined))];
    for (const repository of repositories) {
      const protects = resources.some(
        (resource) =>
          // Branch protection names the repository by `repositoryId` (its name or node ID).
          (stringAt(resource.props.repository) ?? stringAt(resource.props.repositoryId)) === repository &&
          ((resource.type === TYPES.ruleset && rulesetCoversMain(resource.props) && resource.props.enforcement === "active") ||
            (resource.type === TYPES.branchProtection && patternMatches(stringAt(resource.props.pattern) ?? "", PROTECTED_BRANCH))),
      );
      if (!protects) {
        reportViolation(
          `The stack manages repository \`${repository}\`'s settings but declares no active ruleset or branch protection on \`${PROTECTED_BRANCH}\`: ` +
            `anyone with write access can push to it. Declare the ruleset (RepositorySettings does, with \`manageRepositorySettings\`).`,
        );
      }
    }
  },
});

export const GITHUB_POLICIES = [productionEnvironmentProtected, defaultBranchProtected, repositorySettingsProtectMain];
