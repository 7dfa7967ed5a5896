/**
 * What this repository's own workflows need to know: its stacks, in the order changes reach them,
 * and the Pulumi CLI they run. Built from the stack files, so a new stack file is previewed, updated
 * and watched for drift without touching the workflows' source.
 */
export interface PlatformStack {
  /** The Pulumi stack, e.g. `production`. */
  readonly name: string;
  /** The deployment environment the stack manages: this repository's GitHub environment of that name gates its updates. */
  readonly environment: "staging" | "production";
  /** `owner/repository` of the application repository the stack manages. */
  readonly applicationRepository: string;
  /**
   * Paths from the repository root of the application workflows `npm run gen:workflows` commits for
   * this stack (`workflows/__rendered__/<stack>/…`), when it manages the repository's settings:
   * what update-actions.yml may change besides this repository's own workflows.
   * @default none
   */
  readonly renderedWorkflows?: readonly string[];
}

export interface PlatformSettings {
  /** Staging first: an update reaches production only after staging's succeeded. */
  readonly stacks: readonly PlatformStack[];
  /** The Pulumi CLI release the workflows install: the SDK's own version, so both speak the same engine. */
  readonly pulumiVersion: string;
  /** @default "20" */
  readonly nodeVersion?: string;
}

const ORDER: Readonly<Record<PlatformStack["environment"], number>> = { staging: 0, production: 1 };

/** Sorts stacks staging first, then by name; rejects what the workflows could not run. */
export function platformSettings(stacks: readonly PlatformStack[], pulumiVersion: string): PlatformSettings {
  const problems: string[] = [];
  if (stacks.length === 0) problems.push("No stack files (Pulumi.<stack>.yaml): there is nothing to preview or update.");
  for (const stack of stacks) {
    if (!/^[A-Za-z0-9_-]+$/.test(stack.name)) problems.push(`Stack name \`${stack.name}\` has characters a workflow job id cannot carry; use letters, digits, '-' or '_'.`);
  }
  if (!/^\d+\.\d+\.\d+$/.test(pulumiVersion)) problems.push(`Pulumi version \`${pulumiVersion}\` is not a release (x.y.z); pin @pulumi/pulumi to an exact version in package.json.`);
  if (problems.length > 0) throw new Error(`Cannot render this repository's workflows:\n${problems.map((problem) => `  • ${problem}`).join("\n")}`);
  const sorted = [...stacks].sort((a, b) => ORDER[a.environment] - ORDER[b.environment] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { stacks: sorted, pulumiVersion };
}
