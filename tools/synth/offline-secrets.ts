/**
 * Offline synth has no operator secrets: a required one that is not set gets a placeholder in the
 * config synth hands the program, marked secret like the real value would be, so the program reads
 * config exactly as under `pulumi up` and needs no offline mode of its own.
 */
import { CONFIG_KEYS } from "../../infra/config-schema";
import { qualifiedKey } from "../../contracts/project";
import type { ResolvedConfig } from "./stack-config";

/** `config` with a placeholder for each secret the program would refuse to run without. */
export function withSecretPlaceholders(config: ResolvedConfig): { readonly config: ResolvedConfig; readonly missing: readonly string[] } {
  const values: Record<string, string> = { ...config.values };
  const secretKeys = new Set(config.secretKeys);
  const missing: string[] = [];
  for (const spec of CONFIG_KEYS) {
    if (spec.secret === undefined) continue;
    const key = qualifiedKey(spec.key);
    const value = values[key];
    // A required secret has no default; an optional one defaults to "" and is required only when
    // the key it depends on is true (as infra/config.ts reads them).
    const needed =
      spec.secret === "required"
        ? value === undefined
        : spec.requiredWhen !== undefined && values[qualifiedKey(spec.requiredWhen)] === "true" && (value === undefined || value === "");
    if (!needed) continue;
    values[key] = spec.placeholder ?? `synth-placeholder-for-${key}`;
    secretKeys.add(key);
    missing.push(key);
  }
  return { config: { ...config, values, secretKeys: [...secretKeys].sort() }, missing: missing.sort() };
}
