/**
 * URNs: `urn:pulumi:<stack>::<project>::<parent types$...$type>::<name>`.
 * @see https://www.pulumi.com/docs/iac/concepts/resources/names/#urns
 */
export interface UrnParts {
  readonly stack: string;
  readonly project: string;
  /** The resource's own type, without its parents' (`aws:rds/instance:Instance`). */
  readonly type: string;
  /** The logical name; it may itself contain "::". */
  readonly name: string;
}

export function parseUrn(urn: string): UrnParts {
  const parts = urn.split("::");
  const qualifiedType = parts[2] ?? "";
  return {
    stack: (parts[0] ?? "").replace(/^urn:pulumi:/, ""),
    project: parts[1] ?? "",
    type: qualifiedType.slice(qualifiedType.lastIndexOf("$") + 1),
    name: parts.slice(3).join("::"),
  };
}
