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
    const key = qualifiedKey(spec.key);
    // Only a required secret: an optional one left unset is the program's to judge (an opt-in
    // without its keys is a mistake synth names, not a gap to fill).
    if (spec.secret !== "required" || values[key] !== undefined) continue;
    values[key] = spec.placeholder ?? `synth-placeholder-for-${key}`;
    secretKeys.add(key);
    missing.push(key);
  }
  return { config: { ...config, values, secretKeys: [...secretKeys].sort() }, missing: missing.sort() };
}
