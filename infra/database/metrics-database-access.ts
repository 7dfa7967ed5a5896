import * as pulumi from "@pulumi/pulumi";
import { Grant } from "@pulumi/postgresql/grant";
import { Role } from "@pulumi/postgresql/role";
import { METRICS_ROLES, METRICS_SCHEMA, RoleKey, roleNames } from "./roles";

export interface MetricsDatabaseAccessArgs {
  /** The metrics database, already created. */
  readonly database: pulumi.Input<string>;
  /**
   * Prefix of the role names: `<prefix>_owner`, `<prefix>_writer`, `<prefix>_reader`.
   * @default "metrics"
   */
  readonly rolePrefix?: string;
  /** A generated password per login role, kept secret. */
  readonly passwords: Readonly<Record<RoleKey, pulumi.Input<string>>>;
}

/**
 * The metrics database's three roles and their database-level grants, from the one table in
 * `roles.ts` that the tests also apply to a real server. The table-level grants need `ml_metrics`
 * and its owner, so the migration run applies them (`npm run db:migrate`, as the owner).
 */
export class MetricsDatabaseAccess extends pulumi.ComponentResource {
  readonly roles: Readonly<Record<RoleKey, Role>>;
  readonly grants: readonly Grant[];
  /** Role names, for connection strings. */
  readonly roleNames: Readonly<Record<RoleKey, string>>;

  constructor(name: string, args: MetricsDatabaseAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mlops-cicd:database:MetricsDatabaseAccess", name, {}, opts);

    const names = roleNames(args.rolePrefix ?? "metrics");
    const roles = {} as Record<RoleKey, Role>;
    for (const spec of METRICS_ROLES) {
      roles[spec.key] = new Role(
        `${name}-${spec.key}`,
        {
          name: names[spec.key],
          login: true,
          password: pulumi.secret(args.passwords[spec.key]),
          // Nothing but what the grants below give: no inherited memberships, no role creation.
          inherit: false,
          createRole: false,
          createDatabase: false,
          superuser: false,
        },
        { parent: this },
      );
    }

    const grants: Grant[] = [];
    const grant = (suffix: string, grantArgs: Omit<ConstructorParameters<typeof Grant>[1], "database">, role: Role) =>
      grants.push(new Grant(`${name}-${suffix}`, { database: args.database, ...grantArgs }, { parent: this, dependsOn: [role] }));

    for (const spec of METRICS_ROLES) {
      if (spec.key === "owner") continue;
      const role = roles[spec.key];
      grant(`${spec.key}-connect`, { role: role.name, objectType: "database", privileges: ["CONNECT"] }, role);
      grant(`${spec.key}-schema`, { role: role.name, objectType: "schema", schema: METRICS_SCHEMA, privileges: ["USAGE"] }, role);
    }

    this.roles = roles;
    this.grants = grants;
    this.roleNames = names;
    this.registerOutputs({});
  }
}
