import * as path from "node:path";
import { METRICS_ROLES } from "../infra/database/roles";
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

  it("grants the writer insert and update, the columns ON CONFLICT reads, and the id sequence; never delete", () => {
    expect(run.findResource(GRANT, "metrics-writer-table").inputs).toMatchObject({
      database: "metrics",
      role: "metrics_writer",
      objectType: "table",
      schema: "public",
      objects: ["ml_metrics"],
      privileges: ["INSERT", "UPDATE"],
    });
    expect(run.findResource(GRANT, "metrics-writer-columns").inputs).toMatchObject({
      objectType: "column",
      privileges: ["SELECT"],
      columns: METRICS_ROLES.find((role) => role.key === "writer")?.selectColumns,
    });
    expect(run.findResource(GRANT, "metrics-writer-sequence").inputs).toMatchObject({ objectType: "sequence", objects: ["ml_metrics_id_seq"], privileges: ["USAGE"] });
    const writerPrivileges = run.resourcesOfType(GRANT).filter((grant) => grant.inputs.role === "metrics_writer").flatMap((grant) => grant.inputs.privileges as string[]);
    expect(writerPrivileges).not.toContain("DELETE");
    expect(writerPrivileges).not.toContain("TRUNCATE");
  });

  it("grants the reader SELECT only", () => {
    const readerGrants = run.resourcesOfType(GRANT).filter((grant) => grant.inputs.role === "metrics_reader");
    expect(readerGrants.map((grant) => [grant.inputs.objectType, grant.inputs.privileges])).toEqual([
      ["database", ["CONNECT"]],
      ["schema", ["USAGE"]],
      ["table", ["SELECT"]],
    ]);
  });

  it("creates each grant after its role, on the database's provider", () => {
    const provider = run.resourcesOfType("pulumi:providers:postgresql")[0];
    for (const grant of run.resourcesOfType(GRANT)) {
      expect(grant.provider).toBe(`${provider?.urn}::metrics-db-id`);
      expect(grant.dependsOn.some((urn) => urn.endsWith(`::metrics-${String(grant.inputs.role).replace("metrics_", "")}`))).toBe(true);
    }
  });
});
