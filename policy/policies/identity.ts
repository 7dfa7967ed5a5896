/**
 * Identity: IAM roles that GitHub Actions assume through OIDC trust one repository's jobs in one
 * environment, with STS as the token's audience.
 */
import { Props, TYPES, isRecord, jsonAt, recordAt, resourcePolicy, stackPolicy, stringAt } from "./common";

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
export const STS_AUDIENCE = "sts.amazonaws.com";
const AUD = `${GITHUB_OIDC_HOST}:aud`;
const SUB = `${GITHUB_OIDC_HOST}:sub`;

/** `repo:OWNER/REPO:environment:NAME`, nothing wild. */
const PINNED_SUBJECT = /^repo:[A-Za-z0-9-]+\/[A-Za-z0-9._-]+:environment:[^*?:\s]+$/;

/** A condition value as a list: IAM takes a string or a list of strings. */
function values(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

/** Whether a trust-policy statement lets GitHub's OIDC tokens in. */
function trustsGitHub(statement: Props): boolean {
  if (statement.Effect !== "Allow") return false;
  const federated = values(recordAt(statement.Principal).Federated);
  const conditionKeys = Object.values(recordAt(statement.Condition)).flatMap((block) => Object.keys(recordAt(block)));
  return federated.some((principal) => typeof principal === "string" && principal.includes(GITHUB_OIDC_HOST)) || conditionKeys.some((key) => key.startsWith(`${GITHUB_OIDC_HOST}:`));
}

export const githubOidcTrustPinned = resourcePolicy({
  name: "github-oidc-trust-pinned",
  description:
    `IAM roles that trust GitHub's OIDC tokens pin \`aud\` to ${STS_AUDIENCE} and \`sub\` to exactly one \`repo:OWNER/REPO:environment:NAME\`, ` +
    "with StringEquals: no wildcard, no StringLike.",
  enforcementLevel: "mandatory",
  types: [TYPES.role],
  validate: ({ name, props }, reportViolation) => {
    const document = recordAt(jsonAt(props.assumeRolePolicy));
    const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
    for (const statement of statements.filter(isRecord).filter(trustsGitHub)) {
      const subject = `Role \`${name}\` trusts GitHub's OIDC tokens`;
      const conditions = recordAt(statement.Condition);
      const equals = recordAt(conditions.StringEquals);

      const audience = values(equals[AUD]);
      if (audience.length !== 1 || audience[0] !== STS_AUDIENCE) {
        reportViolation(`${subject} without pinning their audience. Add \`Condition.StringEquals["${AUD}"]: "${STS_AUDIENCE}"\`.`);
      }

      const subjects = values(equals[SUB]);
      const pinned = subjects.length === 1 && typeof subjects[0] === "string" && PINNED_SUBJECT.test(subjects[0]);
      if (!pinned) {
        reportViolation(
          `${subject} for ${subjects.length === 0 ? "any subject" : `the subjects ${subjects.map((value) => JSON.stringify(value)).join(", ")}`}. ` +
            `Pin \`Condition.StringEquals["${SUB}"]\` to exactly one \`repo:OWNER/REPO:environment:NAME\`.`,
        );
      }

      for (const [operator, block] of Object.entries(conditions)) {
        if (!/StringLike$/.test(operator)) continue;
        for (const [key, value] of Object.entries(recordAt(block))) {
          if (key.startsWith(`${GITHUB_OIDC_HOST}:`) && values(value).some((pattern) => /[*?]/.test(stringAt(pattern) ?? ""))) {
            reportViolation(
              `${subject} and matches \`${key}\` with ${operator} and a wildcard: other branches, workflows or repositories could assume it. ` +
                "Remove it and pin the claim with StringEquals.",
            );
          }
        }
      }
    }
  },
});

/** The `sub` values a role's GitHub trust statements pin, as written. */
function trustedSubjects(props: Props): string[] {
  const document = recordAt(jsonAt(props.assumeRolePolicy));
  const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
  return statements
    .filter(isRecord)
    .filter(trustsGitHub)
    .flatMap((statement) => values(recordAt(recordAt(statement.Condition).StringEquals)[SUB]))
    .filter((subject): subject is string => typeof subject === "string");
}

export const githubOidcTrustMatchesEnvironments = stackPolicy({
  name: "github-oidc-trust-matches-environments",
  description:
    "A role that trusts GitHub's OIDC tokens names a repository and environment this stack manages: a subject pinned to another " +
    "repository, or to an environment that does not exist, hands the role to someone else's jobs or to none.",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, reportViolation) => {
    const owner = resources.map((resource) => (resource.type === "pulumi:providers:github" ? stringAt(resource.props.owner) : undefined)).find(Boolean);
    const environments = resources.filter((resource) => resource.type === TYPES.environment);
    // Without the provider's owner or any environment, there is nothing to compare with.
    if (owner === undefined || environments.length === 0) return;
    // GitHub's names are case-insensitive; the token carries the repository's own spelling.
    const managed = environments.map((environment) => `repo:${owner}/${String(environment.props.repository)}:environment:${String(environment.props.environment)}`);
    const known = new Set(managed.map((subject) => subject.toLowerCase()));
    for (const role of resources.filter((resource) => resource.type === TYPES.role)) {
      for (const subject of trustedSubjects(role.props)) {
        if (!PINNED_SUBJECT.test(subject) || known.has(subject.toLowerCase())) continue;
        reportViolation(
          `Role \`${role.name}\` trusts \`${subject}\`, which is not a repository and environment this stack manages (${managed.map((item) => `\`${item}\``).join(", ")}). ` +
            "Pin it to one of those, or declare the environment it names.",
          role.urn,
        );
      }
    }
  },
});

export const IDENTITY_POLICIES = [githubOidcTrustPinned, githubOidcTrustMatchesEnvironments];
