/**
 * Keeping secrets out of a comment anyone with read access sees.
 *
 * The engine already prints secrets as "[secret]" unless someone runs `--show-secrets`; this does
 * not rely on that. Three layers, each enough on its own for what it covers:
 * 1. values in Pulumi's secret envelope, properties secret by name for the types this program
 *    uses, and every key a state lists in `additionalSecretOutputs` become "[secret]";
 * 2. every plaintext found in layer 1 (when a preview did show secrets) is scrubbed wherever it
 *    appears in any text, e.g. a password inside a connection string in a task definition;
 * 3. text that looks like a credential (URL passwords, tokens, private keys, `PASSWORD=...`) is
 *    masked whoever it belongs to.
 */
import type { PreviewDigest, ResourceState } from "./preview";
import { CONFIG_KEYS } from "../../infra/config-schema";
import { qualifiedKey } from "../../contracts/project";
import { SECRET_TEXT, SIGNATURES, SIGNATURE_KEY, UNKNOWN_VALUE, isObject, signatureOf } from "./values";

/** This project's secret config keys, as a preview's `config` names them. */
const SECRET_CONFIG_KEYS: ReadonlySet<string> = new Set(CONFIG_KEYS.filter((spec) => spec.secret !== undefined).map((spec) => qualifiedKey(spec.key)));

/**
 * Properties secret by name, per type: the providers' own `additionalSecretOutputs` (their
 * constructors in node_modules/@pulumi/*), which a state lists only once the resource exists.
 */
export const SECRET_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  "github:index/actionsSecret:ActionsSecret": ["plaintextValue", "encryptedValue", "value", "valueEncrypted"],
  "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret": ["plaintextValue", "encryptedValue", "value", "valueEncrypted"],
  "github:index/actionsOrganizationSecret:ActionsOrganizationSecret": ["plaintextValue", "encryptedValue", "value", "valueEncrypted"],
  "github:index/dependabotSecret:DependabotSecret": ["plaintextValue", "encryptedValue", "value", "valueEncrypted"],
  "aws:secretsmanager/secretVersion:SecretVersion": ["secretString", "secretBinary", "secretStringWo"],
  "aws:rds/instance:Instance": ["password", "passwordWo"],
  "aws:rds/cluster:Cluster": ["masterPassword", "masterPasswordWo"],
  "aws:iam/accessKey:AccessKey": ["secret", "sesSmtpPasswordV4"],
  "random:index/randomPassword:RandomPassword": ["result", "bcryptHash"],
  "random:index/randomBytes:RandomBytes": ["base64", "hex"],
  "postgresql:index/role:Role": ["password", "passwordWo"],
  "postgresql:index/subscription:Subscription": ["conninfo"],
  "docker:index/secret:Secret": ["data"],
  "pulumi:providers:github": ["token"],
  "pulumi:providers:postgresql": ["password"],
  "pulumi:providers:aws": ["accessKey", "secretKey", "token"],
  "pulumi:providers:docker": ["registryAuth"],
};

/** Keys secret whatever the type and however deep, for types this table does not know yet. */
const SECRET_KEYS_ANYWHERE: ReadonlySet<string> = new Set([
  "password",
  "masterPassword",
  "plaintextValue",
  "secretString",
  "privateKey",
  "clientSecret",
  "secretAccessKey",
]);

/** Plaintexts this long or longer are scrubbed wherever they appear in text. */
const MIN_SCRUBBED_LENGTH = 6;
/**
 * Shorter ones, down to this, only as whole tokens (not inside a longer word): masking "abc" inside
 * every "abcdef" would garble the comment, but a 4-character password must not show either. Below
 * it ("1", "on") a plaintext cannot be told from ordinary text.
 */
const MIN_TOKEN_LENGTH = 3;

function secretKeysOf(state: ResourceState): Set<string> {
  const keys = new Set(SECRET_PROPERTIES[state.type]);
  state.additionalSecretOutputs?.forEach((key) => keys.add(key));
  return keys;
}


function isSecretEnvelope(value: unknown): boolean {
  const signature = signatureOf(value);
  if (signature === SIGNATURES.secret) return true;
  return signature === SIGNATURES.outputValue && (value as Record<string, unknown>).secret === true;
}

/** `value` with every secret envelope and every secret-named key replaced by "[secret]". */
function maskValue(value: unknown): unknown {
  if (isSecretEnvelope(value)) return SECRET_TEXT;
  if (Array.isArray(value)) return value.map(maskValue);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, SECRET_KEYS_ANYWHERE.has(key) && item !== undefined ? SECRET_TEXT : maskValue(item)]),
  );
}

function maskProperties(properties: Readonly<Record<string, unknown>> | undefined, secretKeys: ReadonlySet<string>) {
  if (!properties) return properties;
  return Object.fromEntries(
    Object.entries(properties).map(([key, value]) => [
      key,
      (secretKeys.has(key) || SECRET_KEYS_ANYWHERE.has(key)) && value !== undefined ? SECRET_TEXT : maskValue(value),
    ]),
  );
}

/** A copy of `state` safe to print, as far as its structure tells (layer 1). */
export function maskState(state: ResourceState): ResourceState;
export function maskState(state: ResourceState | undefined): ResourceState | undefined;
export function maskState(state: ResourceState | undefined): ResourceState | undefined {
  if (!state) return state;
  const secretKeys = secretKeysOf(state);
  return { ...state, inputs: maskProperties(state.inputs, secretKeys), outputs: maskProperties(state.outputs, secretKeys) };
}

/**
 * Every string and number inside `value`, the JSON inside an envelope's `plaintext`, and an output
 * value's value. Not booleans: "true" cannot be told from ordinary text, and scrubbing it would
 * mask every flag in the comment.
 */
function stringLeaves(value: unknown, into: Set<string>): void {
  if (typeof value === "string") {
    into.add(value);
  } else if (typeof value === "number") {
    into.add(String(value));
  } else if (Array.isArray(value)) {
    value.forEach((item) => stringLeaves(item, into));
  } else if (signatureOf(value) === SIGNATURES.outputValue) {
    // Only its `value`: its dependencies' URNs are no secret, and scrubbing them would mask every
    // mention of those resources.
    stringLeaves((value as Record<string, unknown>).value, into);
  } else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (key === "plaintext" && typeof item === "string" && signatureOf(value) === SIGNATURES.secret) {
        try {
          stringLeaves(JSON.parse(item), into);
        } catch {
          into.add(item);
        }
      } else if (key !== SIGNATURE_KEY) {
        stringLeaves(item, into);
      }
    }
  }
}

/** Plaintext secrets a state carries, where a preview run with `--show-secrets` printed them. */
function plaintextsIn(value: unknown, into: Set<string>, secretKeys: ReadonlySet<string>): void {
  if (isSecretEnvelope(value)) {
    stringLeaves(value, into);
  } else if (Array.isArray(value)) {
    value.forEach((item) => plaintextsIn(item, into, new Set()));
  } else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (secretKeys.has(key) || SECRET_KEYS_ANYWHERE.has(key)) stringLeaves(item, into);
      else plaintextsIn(item, into, new Set());
    }
  }
}

/** Masks secrets in text: the plaintexts the previews revealed (layer 2) and credential shapes (layer 3). */
export class Redactor {
  private readonly plaintexts: readonly string[];
  private readonly tokens: readonly RegExp[];

  constructor(plaintexts: Iterable<string>) {
    const usable = new Set<string>();
    const short = new Set<string>();
    for (const text of plaintexts) {
      if (text === SECRET_TEXT || text === UNKNOWN_VALUE || text.length < MIN_TOKEN_LENGTH) continue;
      if (text.length < MIN_SCRUBBED_LENGTH) {
        short.add(text);
        continue;
      }
      usable.add(text);
      // The same password inside a URL is percent-encoded.
      usable.add(encodeURIComponent(text));
    }
    // Longest first, so a secret containing another is masked whole.
    this.plaintexts = [...usable].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
    this.tokens = [...short]
      .sort((a, b) => b.length - a.length || (a < b ? -1 : 1))
      .map((text) => new RegExp(`(?<![A-Za-z0-9])${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![A-Za-z0-9])`, "g"));
  }

  /** Collects the plaintexts of every state in `previews`, and of the stack config they show. */
  static forPreviews(previews: Iterable<PreviewDigest>): Redactor {
    const found = new Set<string>();
    for (const preview of previews) {
      // `--show-secrets` prints secret config too: keys the project declares secret, or named like one.
      for (const [key, value] of Object.entries(preview.config ?? {})) {
        const name = key.slice(key.indexOf(":") + 1);
        if (typeof value === "string" && (SECRET_CONFIG_KEYS.has(key) || looksLikeSecretKey(name))) found.add(value);
      }
      for (const step of preview.steps) {
        for (const state of [step.oldState, step.newState]) {
          if (!state) continue;
          const secretKeys = secretKeysOf(state);
          plaintextsIn(state.inputs, found, secretKeys);
          plaintextsIn(state.outputs, found, secretKeys);
        }
      }
    }
    return new Redactor(found);
  }

  /** `text` with known plaintexts and anything credential-shaped masked. */
  text(text: string): string {
    let result = text;
    for (const plaintext of this.plaintexts) {
      result = result.split(plaintext).join(SECRET_TEXT);
    }
    for (const token of this.tokens) result = result.replace(token, SECRET_TEXT);
    return maskCredentials(result);
  }
}

/** A value that refers to a secret rather than being one: `${{ secrets.X }}`, `$PGPASSWORD`, "[secret]". */
const isReference = (value: string) => value.startsWith("$") || value.startsWith("[secret]") || value.startsWith("{{") || value.startsWith("<");

const CREDENTIAL_PATTERNS: readonly ((text: string) => string)[] = [
  // scheme://user:password@host; a password may hold "/" (a port followed by a path may not look like one).
  (text) =>
    text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]*):((?!\d+\/)[^\s@'"]+)@/gi, (match, head: string, password: string) =>
      isReference(password) ? match : `${head}:${SECRET_TEXT}@`,
    ),
  // A Slack incoming webhook: the URL is the credential.
  (text) => text.replace(/(https:\/\/hooks\.slack\.com\/services\/)[A-Za-z0-9/_-]+/g, `$1${SECRET_TEXT}`),
  // AWS access key IDs, and what their secret keys look like: 40 characters of base64 with both
  // letter cases and a digit or "/" or "+", never plain hex (commit and content hashes are hex).
  (text) => text.replace(/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, SECRET_TEXT),
  (text) =>
    text.replace(/(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g, (match) =>
      /[a-z]/.test(match) && /[A-Z]/.test(match) && /[0-9/+]/.test(match) && !/^[0-9a-fA-F]+$/.test(match) ? SECRET_TEXT : match,
    ),
  // API-key headers: x-api-key, PRIVATE-TOKEN (GitLab), x-auth-token, api-key.
  (text) =>
    text.replace(/\b(x-api-key|private-token|x-auth-token|api-key)(\s*:\s*)([^\s"',;]+)/gi, (match, header: string, separator: string, value: string) =>
      isReference(value) ? match : `${header}${separator}${SECRET_TEXT}`,
    ),
  // GitHub, Slack and JWT tokens.
  (text) => text.replace(/\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abprs]-[A-Za-z0-9-]{10,})\b/g, SECRET_TEXT),
  (text) => text.replace(/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, SECRET_TEXT),
  // Authorization: Bearer/Basic/token <credential>
  (text) =>
    text.replace(/(\bAuthorization:\s*(?:Bearer|Basic|token)\s+|\bBearer\s+)([A-Za-z0-9._~+/=-]{12,})/gi, (match, head: string, credential: string) =>
      isReference(credential) ? match : `${head}${SECRET_TEXT}`,
    ),
  // An ECS-style environment entry: {"name": "DB_PASSWORD", "value": "..."}
  (text) =>
    text.replace(
      /("name"\s*:\s*"[^"]*(?:PASSWORD|SECRET|TOKEN|CREDENTIALS|API_KEY|PRIVATE_KEY)[^"]*"\s*,\s*"value"\s*:\s*")((?:[^"\\]|\\.)*)"/gi,
      (match, head: string, value: string) => (value === "" || isReference(value) ? match : `${head}${SECRET_TEXT}"`),
    ),
  // key=value / key: value where the key names a credential. `id-token: write` is a permission, not a
  // token, hence no match after "-".
  (text) =>
    text.replace(
      /(?<![\w-])(["']?)([A-Za-z0-9_]*?(?:password|passwd|secret_access_key|secretaccesskey|secret_key|client_secret|api_key|apikey|private_key|_token|token))\1(\s*[:=]\s*)(["']?)([^\s"',;&]+)\4/gi,
      (match, quote: string, key: string, separator: string, valueQuote: string, value: string) =>
        isReference(value) || /^(true|false|null|write|read|none)$/i.test(value) ? match : `${quote}${key}${quote}${separator}${valueQuote}${SECRET_TEXT}${valueQuote}`,
    ),
];

/** Credential-shaped text masked (layer 3). Line by line is enough for all but private keys. */
export function maskCredentials(text: string): string {
  return CREDENTIAL_PATTERNS.reduce((current, mask) => mask(current), maskPrivateKeys(text));
}

/** PEM private keys: they span lines, so a line diff must see them masked already. */
export function maskPrivateKeys(text: string): string {
  return text.replace(/(-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----)[\s\S]*?(-----END \2PRIVATE KEY-----)/g, `$1\n${SECRET_TEXT}\n$3`);
}

/**
 * Whether a property's name says it holds a credential (`dbPassword`, `apiToken`), rather than
 * naming or locating one (`secretName`, `secretArn`, `tokenUrl`): its values are not printed,
 * whatever the resource's type.
 */
export function looksLikeSecretKey(key: string): boolean {
  return (
    /password|passwd|secret|token|private_?key|api_?key|credential|plaintext/i.test(key) &&
    !/(name|names|arn|arns|id|ids|version|versions|count|length|type|prefix|url|uri|rotation|policy|ttl|enabled|path|file)$/i.test(key)
  );
}
