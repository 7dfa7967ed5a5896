/**
 * Secrets: no credential in a value anyone can read (Actions variables, container environment,
 * stack outputs, plain config), and no long-lived cloud key unless the pack's config opts in.
 *
 * Messages name where a credential sits and what it looks like, never the value: they are printed
 * by `pulumi preview` and written to synth's policy.json.
 */
import { ResourceValidationArgs, TYPES, isRecord, listAt, recordAt, resourcePolicy, stackPolicy, stringAt } from "./common";
import { containerDefinitions } from "./runtime";

/** What a credential looks like, most specific first. */
const CREDENTIAL_PATTERNS: readonly { readonly kind: string; readonly pattern: RegExp }[] = [
  { kind: "a GitHub token", pattern: /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}/ },
  { kind: "a GitHub fine-grained token", pattern: /\bgithub_pat_[A-Za-z0-9_]{20,}/ },
  { kind: "an AWS access key ID", pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/ },
  { kind: "a private key", pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/ },
  { kind: "a Slack webhook URL", pattern: /\bhttps:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9/]+/ },
  { kind: "a Slack token", pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { kind: "a JSON web token", pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
  // scheme://user:password@host, e.g. postgresql://writer:…@db/metrics
  { kind: "a URL with a password", pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:[^\s/@]+@/i },
];

/** What kind of credential `value` looks like, or `undefined` when it looks like none. */
export function credentialKind(value: string): string | undefined {
  return CREDENTIAL_PATTERNS.find(({ pattern }) => pattern.test(value))?.kind;
}

/** Names that say the value is a credential, whatever it looks like. */
const CREDENTIAL_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|ACCESS_KEY/i;
/** Names that point at a credential rather than hold one: `DB_PASSWORD_FILE`, `WRITER_SECRET_ARN`. */
const POINTER_NAME = /_(?:ARN|FILE|PATH|NAME)$/i;

/**
 * Whether a variable's name says it holds a credential: a credential's value need not look like any
 * pattern above (`DB_PASSWORD=correct-horse`), so the name is read as well as the value.
 */
export function namedLikeCredential(name: string): boolean {
  return CREDENTIAL_NAME.test(name) && !POINTER_NAME.test(name);
}

/** Every string in a JSON-like value, with its path (`a.b[0]`). */
export function stringsIn(value: unknown, path = ""): { readonly path: string; readonly value: string }[] {
  if (typeof value === "string") return [{ path, value }];
  if (Array.isArray(value)) return value.flatMap((item, index) => stringsIn(item, `${path}[${index}]`));
  if (isRecord(value)) return Object.keys(value).flatMap((key) => stringsIn(value[key], path === "" ? key : `${path}.${key}`));
  return [];
}

const VARIABLE_TYPES = [TYPES.actionsVariable, TYPES.actionsEnvironmentVariable, TYPES.actionsOrganizationVariable];
const SECRET_TYPES = [TYPES.actionsSecret, TYPES.actionsEnvironmentSecret, TYPES.actionsOrganizationSecret];

/** `Actions variable \`X\` (environment \`production\`)`. */
function actionsSubject(kind: string, props: ResourceValidationArgs["props"], nameKey: string): string {
  const environment = stringAt(props.environment);
  return `Actions ${kind} \`${String(props[nameKey])}\`${environment === undefined ? "" : ` (environment \`${environment}\`)`}`;
}

export const NO_CREDENTIALS_IN_PLAIN_VALUES = "no-credentials-in-plain-values";

export const noCredentialsInPlainValues = resourcePolicy({
  name: NO_CREDENTIALS_IN_PLAIN_VALUES,
  description:
    "Values anyone with read access sees in clear (Actions variables, container environment variables) hold no credential. " +
    "Offline synth applies the same rule to the stack's plain (unencrypted) config values.",
  enforcementLevel: "mandatory",
  types: [...VARIABLE_TYPES, TYPES.taskDefinition],
  validate: ({ type, name, props }, reportViolation) => {
    if (type === TYPES.taskDefinition) {
      for (const container of containerDefinitions(props) ?? []) {
        for (const variable of listAt(container.environment).map((entry) => recordAt(entry))) {
          const kind = typeof variable.value === "string" ? credentialKind(variable.value) : undefined;
          const where = `Container \`${String(container.name)}\` of task definition \`${name}\` has environment variable \`${String(variable.name)}\``;
          const fix = "Rotate it, keep it in Secrets Manager and pass it through the container's `secrets`.";
          if (kind !== undefined) {
            reportViolation(`${where} holding what looks like ${kind}. ${fix}`);
          } else if (typeof variable.name === "string" && namedLikeCredential(variable.name) && variable.value !== undefined && variable.value !== "") {
            reportViolation(`${where} named like a credential, in plain text in the task definition. ${fix}`);
          }
        }
      }
      return;
    }
    const subject = actionsSubject("variable", props, "variableName");
    const fix = "Rotate it, then publish it as a secret (github.ActionsSecret or ActionsEnvironmentSecret) from encrypted config.";
    const kind = typeof props.value === "string" ? credentialKind(props.value) : undefined;
    if (kind !== undefined) {
      reportViolation(`${subject} holds what looks like ${kind}: variables are plain text to anyone who can read the repository. ${fix}`);
    } else if (namedLikeCredential(String(props.variableName))) {
      reportViolation(`${subject} is named like a credential: variables are plain text to anyone who can read the repository. ${fix}`);
    }
  },
});

export const noCredentialsInOutputs = stackPolicy({
  name: "no-credentials-in-outputs",
  description:
    "Stack outputs hold no credential: anyone with access to the stack reads them, and other stacks copy them. Export where a credential is kept (a Secrets Manager ARN) instead.",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, reportViolation) => {
    for (const stack of resources.filter((resource) => resource.type === TYPES.stack)) {
      for (const { path, value } of stringsIn(stack.props)) {
        const kind = credentialKind(value);
        if (kind !== undefined) {
          reportViolation(
            `Stack output \`${path}\` holds what looks like ${kind}. Rotate it and export where it is kept (for example a Secrets Manager ARN) instead.`,
            stack.urn,
          );
        }
      }
    }
  },
});

/**
 * The plain-config half of `no-credentials-in-plain-values`, for offline synth: the engine does not
 * hand stack config to policies, synth does. Keys stored encrypted (`secretKeys`) are skipped.
 */
export function plainConfigCredentials(values: Readonly<Record<string, string>>, secretKeys: readonly string[]): string[] {
  return Object.keys(values)
    .sort()
    .filter((key) => !secretKeys.includes(key))
    .flatMap((key) => {
      const kind = credentialKind(values[key] ?? "");
      return kind === undefined
        ? []
        : [`Config key \`${key}\` holds, in plain text, what looks like ${kind}. Rotate it and store it encrypted: pulumi config set --secret ${key} <value>.`];
    });
}

/** The Actions secret names that carry an AWS user's long-lived access key. */
export const LONG_LIVED_AWS_KEY_NAMES: readonly string[] = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];

export interface LongLivedKeysConfig {
  /** Accept long-lived cloud keys (for a workflow that cannot use OIDC). @default false */
  readonly allowLongLivedCloudKeys?: boolean;
}

const OPT_IN = 'to accept the risk, set the policy config `{"no-long-lived-cloud-keys": {"allowLongLivedCloudKeys": true}}`';

export const noLongLivedCloudKeys = resourcePolicy({
  name: "no-long-lived-cloud-keys",
  description:
    "No long-lived AWS key (an IAM access key, or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY handed to workflows): " +
    "workflows assume a role through GitHub OIDC. Opt in with the policy config `allowLongLivedCloudKeys: true`.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      allowLongLivedCloudKeys: {
        type: "boolean",
        default: false,
        description: "Accept long-lived cloud keys, for a workflow that cannot use OIDC.",
      },
    },
  },
  types: [...SECRET_TYPES, ...VARIABLE_TYPES, TYPES.accessKey],
  validate: ({ type, name, props, getConfig }, reportViolation) => {
    if (getConfig<LongLivedKeysConfig>().allowLongLivedCloudKeys === true) return;
    if (type === TYPES.accessKey) {
      reportViolation(
        `IAM access key \`${name}\` is a long-lived credential. Give the workload a role instead (GitHub OIDC for workflows, task roles on ECS) and remove it; ${OPT_IN}.`,
      );
      return;
    }
    const isSecret = (SECRET_TYPES as readonly string[]).includes(type);
    const keyName = String(isSecret ? props.secretName : props.variableName);
    if (!LONG_LIVED_AWS_KEY_NAMES.includes(keyName)) return;
    reportViolation(
      `${actionsSubject(isSecret ? "secret" : "variable", props, isSecret ? "secretName" : "variableName")} hands workflows a long-lived AWS key. ` +
        `Let them assume a role through GitHub OIDC (AWS_ROLE_ARN with aws-actions/configure-aws-credentials) and remove it; ${OPT_IN}.`,
    );
  },
});

export const SECRET_POLICIES = [noCredentialsInPlainValues, noCredentialsInOutputs, noLongLivedCloudKeys];
