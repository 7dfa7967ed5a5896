/**
 * What a restored database already holds: the roles and databases that `pulumi up` would try to
 * create (and fail: PostgreSQL has no CREATE ROLE IF NOT EXISTS), written as a `pulumi import
 * --file` document so the operator adopts them with one command instead of typing IDs. The next
 * `pulumi up` then sets their passwords to the ones this stack generated (ALTER ROLE), so every
 * credential of the rebuilt environment is new. Grants need no adoption: GRANT is idempotent.
 *
 * @see https://www.pulumi.com/docs/iac/cli/commands/pulumi_import/ (the JSON file format)
 */
import { providerUrn, type GraphResource } from "./graph";
import { restoresFromBackup } from "./plan";

/** Resource types whose objects live inside the database server, with their import ID. */
const ADOPTED: Readonly<Record<string, (resource: GraphResource) => string>> = {
  // The provider's import ID of a role or a database is its name.
  "postgresql:index/role:Role": (resource) => String(resource.inputs.name),
  "postgresql:index/database:Database": (resource) => String(resource.inputs.name),
};

export interface ImportFile {
  /** Short names for the parent and provider URNs the resources refer to. */
  readonly nameTable: Readonly<Record<string, string>>;
  readonly resources: readonly {
    readonly type: string;
    readonly name: string;
    readonly id: string;
    readonly parent: string;
    readonly provider: string;
  }[];
}

/** The import document of a stack that restores its database; undefined when it creates it empty. */
export function adoptionImportFile(resources: readonly GraphResource[]): ImportFile | undefined {
  if (!resources.some(restoresFromBackup)) return undefined;
  const nameTable = new Map<string, string>();
  const keyOf = (urn: string) => {
    // The last URN segment is the resource's name, unique enough among parents and providers.
    const key = urn.slice(urn.lastIndexOf("::") + 2);
    const taken = nameTable.get(key);
    if (taken !== undefined && taken !== urn) throw new Error(`Two parents or providers are both named ${key}: ${taken} and ${urn}.`);
    nameTable.set(key, urn);
    return key;
  };
  const adopted = resources
    .filter((resource) => ADOPTED[resource.type] !== undefined)
    .sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0))
    .map((resource) => {
      if (resource.parent === undefined || resource.provider === undefined) {
        throw new Error(`${resource.urn} has no parent or no explicit provider; its import entry would not match the program.`);
      }
      return {
        type: resource.type,
        name: resource.name,
        id: (ADOPTED[resource.type] as (entry: GraphResource) => string)(resource),
        parent: keyOf(resource.parent),
        provider: keyOf(providerUrn(resource.provider)),
      };
    });
  return { nameTable: Object.fromEntries([...nameTable].sort(([a], [b]) => (a < b ? -1 : 1))), resources: adopted };
}
