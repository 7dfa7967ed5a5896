/**
 * Property values as the engine serializes them, and how the comment prints them.
 * @see https://github.com/pulumi/pulumi/blob/master/sdk/nodejs/runtime/rpc.ts (the special signatures)
 */

/** What the engine prints for a secret unless `--show-secrets`, and what this module prints for one. */
export const SECRET_TEXT = "[secret]";

/** `plugin.UnknownStringValue`: a value known only after `pulumi up`. */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The key that marks a special value (secret, asset, archive, resource reference, output value). */
export const SIGNATURE_KEY = "4dabf18193072939515e22adb298388d";

export const SIGNATURES = {
  secret: "1b47061264138c4ac30d75fd1eb44270",
  asset: "c44067f5952c0a294b673a41bacd8c17",
  archive: "0def7320c3a5731c473e5ecbe6d01bc7",
  resourceReference: "5cf8f73096256a8f31e491e813e4eb8e",
  outputValue: "d0e6a833031e9bbcd3f4e8bde6ca49a4",
} as const;

/** A plain object (not null, not a list): a JSON object as the engine serializes it. */
export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export function signatureOf(value: unknown): string | undefined {
  return isObject(value) && typeof value[SIGNATURE_KEY] === "string" ? (value[SIGNATURE_KEY] as string) : undefined;
}

/** `text` cut to at most `max` UTF-16 units plus a note, never inside a surrogate pair. */
export function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max);
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}… (${text.length - end} more characters)`;
}

/** Special values spelled out, so a reader sees "(asset)" rather than a signature hash. */
function readable(value: unknown): unknown {
  if (value === UNKNOWN_VALUE) return "(known after apply)";
  if (Array.isArray(value)) return value.map(readable);
  if (!isObject(value)) return value;
  switch (signatureOf(value)) {
    case SIGNATURES.secret:
      return SECRET_TEXT;
    case SIGNATURES.asset:
      return "(asset)";
    case SIGNATURES.archive:
      return "(archive)";
    case SIGNATURES.resourceReference:
      return `(resource ${typeof value.urn === "string" ? value.urn : "reference"})`;
    case SIGNATURES.outputValue:
      return "value" in value ? readable(value.value) : "(known after apply)";
    default:
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, readable(item)]));
  }
}

/** One value on one line: strings quoted, objects as compact JSON, cut to `max`. */
export function formatValue(value: unknown, max: number): string {
  if (value === undefined) return "(none)";
  if (value === UNKNOWN_VALUE) return "(known after apply)";
  if (value === SECRET_TEXT) return SECRET_TEXT;
  const shown = readable(value);
  if (shown === SECRET_TEXT) return SECRET_TEXT;
  return shorten(JSON.stringify(shown) ?? String(shown), max);
}

/**
 * The value as lines of text when it is worth a line diff of its own: a multi-line or long string,
 * with JSON (a policy, container definitions) pretty-printed so a change is one line, not all of it.
 */
export function asDiffableText(value: unknown): string | undefined {
  if (typeof value !== "string" || value === SECRET_TEXT || value === UNKNOWN_VALUE) return undefined;
  if (!value.includes("\n") && value.length <= 120) return undefined;
  const trimmed = value.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return JSON.stringify(JSON.parse(trimmed), null, 2) + "\n";
    } catch {
      // Not JSON after all: diff it as text.
    }
  }
  return value;
}
