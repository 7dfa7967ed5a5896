import * as path from "node:path";
import { ProgramRun, runProgram } from "./harness";

const ROLE = "postgresql:index/role:Role";
const GRANT = "postgresql:index/grant:Grant";

describe("MetricsDatabaseAccess", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram("production", {}, [], path.join(__dirname, "fixtures", "metrics-access-program.ts"));
  });

  it("creates the owner, writer and reader as login roles with secret passwords and no extra powers", () => {
    for (const key of ["owner", "writer", "reader"]) {
      expect(run.findResource(ROLE, `metrics-${key}`).inputs).toMatchObject({
        name: `metrics_${key}`,
        login: true,
        password: "[secret]",
        inherit: false,
        createRole: false,
        createDatabase: false,
        superuser: false,
      });
    }
  });

  it("grants the writer and the reader the database and its schema, and nothing on tables (the migration run does)", () => {
    for (const role of ["metrics_writer", "metrics_reader"]) {
      const grants = run.resourcesOfType(GRANT).filter((grant) => grant.inputs.role === role);
      expect(grants.map((grant) => [grant.inputs.objectType, grant.inputs.privileges])).toEqual([
        ["database", ["CONNECT"]],
        ["schema", ["USAGE"]],
      ]);
    }
    expect(run.resourcesOfType(GRANT).filter((grant) => grant.inputs.role === "metrics_owner")).toHaveLength(0);
  });

  it("creates each grant after its role, on the database's provider", () => {
    const provider = run.resourcesOfType("pulumi:providers:postgresql")[0];
    for (const grant of run.resourcesOfType(GRANT)) {
      expect(grant.provider).toBe(`${provider?.urn}::metrics-db-id`);
      expect(grant.dependsOn.some((urn) => urn.endsWith(`::metrics-${String(grant.inputs.role).replace("metrics_", "")}`))).toBe(true);
    }
  });
});
