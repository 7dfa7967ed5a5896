/**
 * Pure validators for stack config values. Each returns the problems it found as sentences that
 * name the rule and the fix; the caller prefixes the key. None of them echoes a value it was not
 * told is safe to echo, so a secret never reaches an error message.
 */

// GitHub logins: 1-39 characters, letters, digits and single inner hyphens.
const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
// Repository names GitHub accepts as they are (it rewrites anything else to `-`, silently).
const REPOSITORY_NAME = /^[A-Za-z0-9._-]{1,100}$/;
// Team slugs are GitHub's lower-cased, hyphenated form of a team name.
const TEAM_SLUG = /^[a-z0-9](?:[a-z0-9_-]{0,98}[a-z0-9])?$/;
const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const CODEOWNER = /^(?:@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\/[A-Za-z0-9._-]+)?|[^@\s]+@[^@\s]+\.[^@\s]+)$/;
const AWS_ACCESS_KEY_ID = /^AKIA[A-Z0-9]{16}$/;
const AWS_SECRET_ACCESS_KEY = /^[A-Za-z0-9/+]{40}$/;

export function githubLoginProblems(value: string, what: string): string[] {
  return GITHUB_LOGIN.test(value)
    ? []
    : [`must be a GitHub ${what} name: 1-39 letters, digits or single inner hyphens, got "${value}"`];
}

export function repositoryNameProblems(value: string): string[] {
  if (value === "." || value === ".." || !REPOSITORY_NAME.test(value)) {
    return [`must be a repository name of 1-100 letters, digits, ".", "-" or "_" (without the owner), got "${value}"`];
  }
  if (value.toLowerCase().endsWith(".git")) {
    return [`must not end in ".git": GitHub strips the suffix, so the program would target another name, got "${value}"`];
  }
  return [];
}

export function teamSlugProblems(value: string): string[] {
  return TEAM_SLUG.test(value)
    ? []
    : [`must hold team slugs (lower-case letters, digits, "-" or "_", as in github.com/orgs/<owner>/teams/<slug>), got "${value}"`];
}

/** Git's ref-name rules, reduced to what a branch name in a ruleset condition can hold. */
export function branchNameProblems(value: string): string[] {
  const bad =
    value.length === 0 ||
    // eslint-disable-next-line no-control-regex -- git forbids control characters in ref names
    /[\s~^:?*[\\\x00-\x1f\x7f]/.test(value) ||
    value.includes("..") ||
    value.includes("@{") ||
    value.startsWith("/") ||
    value.endsWith("/") ||
    value.startsWith("-") ||
    value.endsWith(".") ||
    value.endsWith(".lock") ||
    value.includes("//");
  return bad ? [`must be a valid git branch name, got "${value}"`] : [];
}

export interface UrlRules {
  /** Set for secrets: the message then leaves the value out. */
  readonly secret?: boolean;
}

/** An absolute https URL with a host and no embedded credentials. */
export function httpsUrlProblems(value: string, rules: UrlRules = {}): string[] {
  const shown = rules.secret ? "" : `, got "${value}"`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [`must be an absolute https:// URL${shown}`];
  }
  if (url.protocol !== "https:") {
    return [`must use https:// (plain ${url.protocol.replace(":", "")} sends data in the clear)${shown}`];
  }
  if (url.hostname === "") {
    return [`must name a host${shown}`];
  }
  if (url.username !== "" || url.password !== "") {
    return ["must not embed credentials (user:password@); keep credentials in their own secret"];
  }
  return [];
}

/** A DNS host name (RFC 1123) or an IPv4 address. */
export function hostNameProblems(value: string): string[] {
  const labels = value.split(".");
  const ipv4 = labels.length === 4 && labels.every((label) => /^\d{1,3}$/.test(label) && Number(label) <= 255);
  const dns =
    value.length <= 253 &&
    labels.every((label) => HOST_LABEL.test(label)) &&
    !/^\d+$/.test(labels[labels.length - 1] ?? "");
  return ipv4 || dns ? [] : [`must be a host name such as db.example.com (no scheme, port or path), got "${value}"`];
}

export function codeownerProblems(value: string): string[] {
  return CODEOWNER.test(value)
    ? []
    : [`must hold @user, @org/team or e-mail entries, got "${value}"`];
}

export function integerRangeProblems(value: number, min: number, max: number): string[] {
  return value >= min && value <= max ? [] : [`must be between ${min} and ${max}, got ${value}`];
}

export function awsAccessKeyIdProblems(value: string): string[] {
  // ASIA… keys are temporary STS credentials: useless as a stored secret once they expire.
  return AWS_ACCESS_KEY_ID.test(value)
    ? []
    : ["must be a long-lived access key ID: AKIA followed by 16 upper-case letters or digits"];
}

export function awsSecretAccessKeyProblems(value: string): string[] {
  return AWS_SECRET_ACCESS_KEY.test(value) ? [] : ["must be a 40-character AWS secret access key"];
}

export function repositoryPathProblems(value: string): string[] {
  return value.startsWith("/") && !value.split("/").includes("..")
    ? []
    : [`must hold directories of the repository starting with "/" and without "..", got "${value}"`];
}

/** A command line for a workflow's `run:` step: one line, not empty. */
/** A check run's name as GitHub shows it: one line, no blank ends, at most 255 characters. */
export function statusCheckProblems(value: string): string[] {
  if (value.trim() === "") return ["must name a check run, got an empty name"];
  if (/[\r\n]/.test(value) || value !== value.trim() || value.length > 255) {
    return [`must be a check run's name as GitHub shows it (one line, no spaces at either end, at most 255 characters), got ${JSON.stringify(value.slice(0, 80))}`];
  }
  return [];
}

export function commandProblems(value: string): string[] {
  if (value.trim() === "") return ["must be a command, got an empty string"];
  if (/[\r\n]/.test(value)) return [`must be a single line (chain commands with &&), got ${JSON.stringify(value)}`];
  return [];
}

/** A path inside the application repository, relative to its root. */
export function relativePathProblems(value: string): string[] {
  const ok = value !== "" && !value.startsWith("/") && !value.split("/").includes("..") && !/[\r\n]/.test(value);
  return ok ? [] : [`must be a path relative to the repository root, without ".." (such as 04-deployment/web-services), got "${value}"`];
}

/** A directory of the repository a command runs in: "." (the root) or a relative path. */
export function workingDirectoryProblems(value: string): string[] {
  return value === "." ? [] : relativePathProblems(value).map(() => `must be "." (the repository root) or a directory relative to it, without ".." (such as 03-orchestration), got "${value}"`);
}

/**
 * A file the workflows install Python dependencies from: a pip requirements file, or a Pipfile.lock
 * (the lock pins every version and hash; a Pipfile alone pins nothing).
 */
export function dependencyFileProblems(value: string): string[] {
  const problems = relativePathProblems(value);
  if (problems.length > 0) return problems;
  if (value.split("/").at(-1) === "Pipfile") {
    const lock = `${value}.lock`;
    return [`names a Pipfile, "${value}": name its lock, "${lock}", which pins the versions and hashes installed (pipenv lock writes it)`];
  }
  return [];
}

/** A service's Docker build context, or "" for a service the repository builds no image for. */
export function buildContextProblems(value: string): string[] {
  return value === "" ? [] : relativePathProblems(value);
}

export function positiveDecimalProblems(value: string): string[] {
  return /^\d+(\.\d+)?$/.test(value) && Number(value) > 0 ? [] : [`must be a positive decimal number such as 10.0, got "${value}"`];
}

export function shareProblems(value: string): string[] {
  return /^\d+(\.\d+)?$/.test(value) && Number(value) <= 1 ? [] : [`must be a share from 0 to 1 such as 0.01 (1%), got "${value}"`];
}

export function nonNegativeDecimalProblems(value: string): string[] {
  return /^\d+(\.\d+)?$/.test(value) ? [] : [`must be a decimal number, 0 or more, such as 5 or 2.5, got "${value}"`];
}

export function mlflowModelNameProblems(value: string): string[] {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,255}$/.test(value)
    ? []
    : [`must be a model name of letters, digits, ".", "-" or "_", got "${value}"`];
}

export function awsRegionProblems(value: string): string[] {
  return /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/.test(value) ? [] : [`must be an AWS region such as eu-west-1, got "${value}"`];
}

/** A private IPv4 CIDR block of /16 to /20, aligned on its prefix. */
export function vpcCidrProblems(value: string): string[] {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  const octets = match ? match.slice(1, 5).map(Number) : [];
  const prefix = match ? Number(match[5]) : NaN;
  if (!match || octets.some((octet) => octet > 255)) return [`must be an IPv4 CIDR block such as 10.20.0.0/16, got "${value}"`];
  if (prefix < 16 || prefix > 20) return [`must have a prefix between /16 and /20, got /${prefix}`];
  const address = octets.reduce((acc, octet) => acc * 256 + octet, 0);
  if (address % 2 ** (32 - prefix) !== 0) return [`must start on a /${prefix} boundary, got "${value}"`];
  const [a, b] = octets as [number, number];
  const isPrivate = a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
  return isPrivate ? [] : [`must be in a private range (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16), got "${value}"`];
}

export function dbInstanceClassProblems(value: string): string[] {
  return /^db\.[a-z0-9]+\.[a-z0-9]+$/.test(value) ? [] : [`must be an RDS instance class such as db.t4g.micro, got "${value}"`];
}

export function snapshotIdentifierProblems(value: string): string[] {
  return /^(arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:snapshot:)?(rds:)?[A-Za-z][A-Za-z0-9-]{0,254}$/.test(value)
    ? []
    : [`must be an RDS snapshot identifier or ARN, got "${value}"`];
}

export function oidcProviderArnProblems(value: string): string[] {
  return /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/.test(value)
    ? []
    : [`must be the ARN of the IAM OIDC provider for token.actions.githubusercontent.com, got "${value}"`];
}

export function certificateArnProblems(value: string): string[] {
  return /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/.test(value)
    ? []
    : [`must be the ARN of an ACM certificate (arn:aws:acm:<region>:<account>:certificate/<id>), got "${value}"`];
}

/** The retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

export function logRetentionProblems(value: number): string[] {
  return (LOG_RETENTION_DAYS as readonly number[]).includes(value)
    ? []
    : [`must be a retention CloudWatch accepts (${LOG_RETENTION_DAYS.join(", ")}), got ${value}`];
}

/** Where a point-in-time restore reads its automated backups from (RestoreDBInstanceToPointInTime). */
export type RestoreSource =
  | { readonly kind: "instanceIdentifier"; readonly value: string }
  | { readonly kind: "resourceId"; readonly value: string }
  | { readonly kind: "automatedBackupsArn"; readonly value: string };

// RDS instance identifiers: a letter, then letters, digits and single hyphens, at most 63, no
// trailing hyphen. RDS stores them in lower case, as the console and the CLI show them.
const DB_INSTANCE_IDENTIFIER = /^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){0,62}$/;
// A DbiResourceId as RDS prints it: "db-" and 26 upper-case letters or digits.
const DBI_RESOURCE_ID = /^db-[A-Z0-9]{26}$/;
const AUTOMATED_BACKUPS_ARN = /^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:auto-backup:ab-[a-z0-9]+$/;

/** Tells the three shapes of a restore source apart, or undefined when it is none of them. */
export function classifyRestoreSource(value: string): RestoreSource | undefined {
  if (AUTOMATED_BACKUPS_ARN.test(value)) return { kind: "automatedBackupsArn", value };
  if (DBI_RESOURCE_ID.test(value)) return { kind: "resourceId", value };
  if (DB_INSTANCE_IDENTIFIER.test(value)) return { kind: "instanceIdentifier", value };
  return undefined;
}

export function restoreSourceProblems(value: string): string[] {
  return classifyRestoreSource(value) !== undefined
    ? []
    : [
        "must name the backups to restore from: a DB instance identifier (mlops-cicd-production), its resource ID " +
          `(db- and 26 upper-case letters or digits) or the ARN of replicated automated backups (arn:aws:rds:<region>:<account>:auto-backup:ab-…), got "${value}"`,
      ];
}

/** `latest`, or a UTC timestamp RDS accepts as RestoreTime (RFC 3339, `Z`). */
export function restoreTimeProblems(value: string): string[] {
  if (value === "latest") return [];
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?Z$/.exec(value);
  const parsed = match ? new Date(value) : undefined;
  // Date rolls 2025-02-30 over to March instead of failing: compare the fields back.
  const valid =
    match !== null &&
    parsed !== undefined &&
    !Number.isNaN(parsed.getTime()) &&
    parsed.getUTCFullYear() === Number(match[1]) &&
    parsed.getUTCMonth() + 1 === Number(match[2]) &&
    parsed.getUTCDate() === Number(match[3]) &&
    parsed.getUTCHours() === Number(match[4]) &&
    parsed.getUTCMinutes() === Number(match[5]) &&
    parsed.getUTCSeconds() === Number(match[6]);
  return valid ? [] : [`must be \`latest\` or a UTC time such as 2025-03-14T09:26:53Z, got "${value}"`];
}

/** A calendar date as `date -u +%F` prints it: what the rotation workflow records a rotation under. */
export function calendarDateProblems(value: string): string[] {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const parsed = match ? new Date(`${value}T00:00:00Z`) : undefined;
  // Date rolls 2026-02-30 over to March instead of failing: compare the fields back.
  const valid =
    match !== null &&
    parsed !== undefined &&
    !Number.isNaN(parsed.getTime()) &&
    parsed.getUTCFullYear() === Number(match[1]) &&
    parsed.getUTCMonth() + 1 === Number(match[2]) &&
    parsed.getUTCDate() === Number(match[3]);
  return valid ? [] : [`must be a UTC calendar date such as 2026-03-14, got "${value}"`];
}

/** Levenshtein distance: the fewest single-character edits from `a` to `b`. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The candidate a misspelling most likely meant: the nearest within `maxDistance` edits, if any. */
export function closestMatch(word: string, candidates: readonly string[], maxDistance = 3): string | undefined {
  const closest = [...candidates].sort((a, b) => editDistance(word, a) - editDistance(word, b) || (a < b ? -1 : 1))[0];
  return closest !== undefined && editDistance(word, closest) <= maxDistance ? closest : undefined;
}

/**
 * Each of `options` (names without the dashes) given more than once in `words`: node:util's
 * parseArgs keeps the last silently, and which one was meant is the caller's to say.
 */
export function repeatedOptionProblems(words: readonly string[], options: readonly string[]): string[] {
  return options.flatMap((name) => {
    const given = words.filter((word) => word === `--${name}` || word.startsWith(`--${name}=`)).length;
    return given > 1 ? [`--${name} is given ${given} times: give it once.`] : [];
  });
}

/**
 * node:util's parseArgs error as a user should read it: without its advice to pass a dash-led
 * positional after "--" (a misspelt option is far likelier), with the option it most likely meant.
 */
export function optionErrorMessage(message: string, options: readonly string[]): string {
  const plain = message.replace(/\. To specify a positional argument starting with a '-'.*$/s, ".");
  const unknown = /^Unknown option '--([^']+)'/.exec(plain)?.[1];
  const meant = unknown === undefined ? undefined : closestMatch(unknown, options);
  return meant === undefined ? plain : `${plain.replace(/\.?$/, ".")} Did you mean --${meant}?`;
}
