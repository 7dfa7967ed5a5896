/**
 * Credential rotation (docs/decisions/0004-credential-rotation.md): the alternating slots as pure
 * functions, and what the program declares with and without a rotation under the mock runtime.
 */
import { SlotKeepers, alternateRoleName, appliedRotation, currentSlotOf, declareSlot } from "../infra/database/credential-slots";
import { ProvisionError, loginRoleFromSlots } from "../infra/database/provisioner/provision";
import { ProgramRun, runProgram } from "./harness";

const PASSWORD = "random:index/randomPassword:RandomPassword";
const ROLES = ["owner", "writer", "reader", "mlflow", "grafana"] as const;

/** The keepers state would hold after a run with `step`, given the keepers it held before. */
function applyRun(state: { primary: SlotKeepers; alternate: SlotKeepers }, step: { generation: number; rotatedOn: string } | undefined) {
  const next = { ...state };
  for (const slot of ["primary", "alternate"] as const) {
    const declared = declareSlot(slot, step);
    if (declared.followsKeepers) next[slot] = declared.keepers;
  }
  return next;
}

describe("the alternating slots", () => {
  it("starts a new stack at generation 0 with the role itself current", () => {
    const primary = declareSlot("primary", undefined);
    const alternate = declareSlot("alternate", undefined);
    expect([primary, alternate]).toEqual([
      { keepers: { generation: "0" }, followsKeepers: false },
      { keepers: { generation: "-1" }, followsKeepers: false },
    ]);
    expect(appliedRotation(primary.keepers, alternate.keepers)).toEqual({ generation: 0, rotatedOn: null, current: "primary" });
  });

  it("reads a stack from before rotation, whose passwords have no keepers, as generation 0", () => {
    expect(appliedRotation(undefined, undefined)).toEqual({ generation: 0, rotatedOn: null, current: "primary" });
    expect(appliedRotation(undefined, { generation: "-1" })).toEqual({ generation: 0, rotatedOn: null, current: "primary" });
  });

  it("changes one password per rotation, never the one in use when the rotation starts, and makes the new one current", () => {
    // GIVEN a stack from before rotation, WHEN it is rotated 40 times, one generation each time
    let state = { primary: {} as SlotKeepers, alternate: { generation: "-1" } as SlotKeepers };
    for (let generation = 1; generation <= 40; generation++) {
      const before = appliedRotation(state.primary, state.alternate);
      const rotatedOn = `2026-01-${String((generation % 28) + 1).padStart(2, "0")}`;
      const after = applyRun(state, { generation, rotatedOn });
      // THEN the slot that was current keeps its keepers (so its password), the other gets new ones
      expect(after[before.current]).toEqual(state[before.current]);
      expect(after[currentSlotOf(generation)]).toEqual({ generation: String(generation), rotatedOn });
      expect(before.current).not.toBe(currentSlotOf(generation));
      expect(appliedRotation(after.primary, after.alternate)).toEqual({ generation, rotatedOn, current: currentSlotOf(generation) });
      // AND a run that rotates nothing afterwards (an update on merge, drift) changes nothing
      expect(applyRun(after, undefined)).toEqual(after);
      state = after;
    }
  });

  it("names the twin after the role", () => {
    expect(alternateRoleName("metrics_writer")).toBe("metrics_writer_alt");
  });
});

describe("a role's two logins, as the provisioner reads them from its secrets", () => {
  it("takes the role's password from the login named after it and the twin's from the other, in either slot", () => {
    const own = { username: "mlflow", password: "p".repeat(40) };
    const twin = { username: "mlflow_alt", password: "q".repeat(40) };
    const expected = { name: "mlflow", password: own.password, alternate: { name: "mlflow_alt", password: twin.password } };
    expect(loginRoleFromSlots("mlflow", [own, twin])).toEqual(expected);
    expect(loginRoleFromSlots("mlflow", [twin, own])).toEqual(expected);
    // A secret written before rotation: the role's own login, no standby.
    expect(loginRoleFromSlots("mlflow", [own])).toEqual({ name: "mlflow", password: own.password });
  });

  it("refuses logins that are neither the role nor its twin", () => {
    const call = () => loginRoleFromSlots("grafana", [{ username: "grafana_alt", password: "x".repeat(40) }, { username: "admin", password: "y".repeat(40) }]);
    expect(call).toThrow(ProvisionError);
    expect(call).toThrow('The credentials of role "grafana" must log in as "grafana" and, at most, "grafana_alt"; got "grafana_alt", "admin". Run pulumi up to write them again.');
  });
});

describe("the program with and without a rotation", () => {
  let plain: ProgramRun;
  let odd: ProgramRun;
  let even: ProgramRun;
  beforeAll(async () => {
    plain = await runProgram("staging");
    odd = await runProgram("staging", { "mlops-cicd:credentialGeneration": 5, "mlops-cicd:credentialRotatedOn": "2026-12-02" });
    even = await runProgram("staging", { "mlops-cicd:credentialGeneration": 6, "mlops-cicd:credentialRotatedOn": "2027-03-02", "mlops-cicd:credentialRotationDays": 30 });
  }, 120_000);

  const slotOf = (run: ProgramRun, role: string, alternate: boolean) => run.findResource(PASSWORD, `databases-${role}${alternate ? "-alt" : ""}`);

  it("without one, moves no password: every slot ignores its keepers, so state decides", () => {
    for (const role of ROLES) {
      for (const alternate of [false, true]) {
        const password = slotOf(plain, role, alternate);
        expect(password.inputs).toMatchObject({ length: 40, special: false, keepers: { generation: alternate ? "-1" : "0" } });
        expect(password.options.ignoreChanges).toEqual(["keepers"]);
      }
    }
    expect(plain.outputs.credentialRotation).toEqual({ generation: 0, rotatedOn: null, periodDays: 90, current: "primary" });
  });

  it("with an odd generation, gives every twin a new password and makes it current, the roles' own untouched", () => {
    for (const role of ROLES) {
      expect(slotOf(odd, role, true).inputs.keepers).toEqual({ generation: "5", rotatedOn: "2026-12-02" });
      expect(slotOf(odd, role, true).options.ignoreChanges).toBeUndefined();
      expect(slotOf(odd, role, false).options.ignoreChanges).toEqual(["keepers"]);
    }
    expect(odd.outputs.credentialRotation).toEqual({ generation: 5, rotatedOn: "2026-12-02", periodDays: 90, current: "alternate" });
  });

  it("with an even generation, the other way round, on the stack's own period", () => {
    for (const role of ROLES) {
      expect(slotOf(even, role, false).inputs.keepers).toEqual({ generation: "6", rotatedOn: "2027-03-02" });
      expect(slotOf(even, role, false).options.ignoreChanges).toBeUndefined();
      expect(slotOf(even, role, true).options.ignoreChanges).toEqual(["keepers"]);
    }
    expect(even.outputs.credentialRotation).toEqual({ generation: 6, rotatedOn: "2027-03-02", periodDays: 30, current: "primary" });
  });

  it("replaces the RDS master's and MLflow's administrator's passwords on every rotation, and leaves them otherwise", () => {
    for (const name of ["database-master", "platform-mlflow-admin"]) {
      expect(plain.findResource(PASSWORD, name).inputs.keepers).toEqual({ generation: "0" });
      expect(plain.findResource(PASSWORD, name).options.ignoreChanges).toEqual(["keepers"]);
      for (const [run, generation, rotatedOn] of [[odd, "5", "2026-12-02"], [even, "6", "2027-03-02"]] as const) {
        expect(run.findResource(PASSWORD, name).inputs.keepers).toEqual({ generation, rotatedOn });
        expect(run.findResource(PASSWORD, name).options.ignoreChanges).toBeUndefined();
      }
    }
    // The master secret is written once the instance has taken the password, and the provisioner reads it after.
    const instance = plain.findResource("aws:rds/instance:Instance", "database");
    expect(plain.findResource("aws:secretsmanager/secretVersion:SecretVersion", "database-master").dependsOn).toContain(instance.urn);
    // MLflow reads the administrator's password by version: a new one rolls it, and its tasks set it at start.
    const [container] = JSON.parse(String(plain.findResource("aws:ecs/taskDefinition:TaskDefinition", "platform-mlflow").inputs.containerDefinitions));
    expect(container.secrets).toContainEqual({ name: "MLFLOW_ADMIN_PASSWORD", valueFrom: expect.stringMatching(/:secret:platform-mlflow-admin:password::[0-9a-f-]{36}$/) });
  });

  it("never rotates Grafana's secret key, which encrypts its stored secrets, nor Grafana's administrator, kept in Grafana's database", () => {
    for (const key of ["grafana-secret-key", "grafana-admin"]) {
      const declared = [plain, odd, even].map((run) => run.findResource(PASSWORD, `platform-${key}`));
      for (const password of declared) {
        expect(password.inputs.keepers).toBeUndefined();
        expect(password.options.ignoreChanges).toBeUndefined();
      }
      expect(declared[1]?.inputs).toEqual(declared[0]?.inputs);
      expect(declared[2]?.inputs).toEqual(declared[0]?.inputs);
    }
  });

  it("keeps each role's standby login in a secret of its own, read by the provisioner alone", () => {
    const databaseStandby = /database\/[a-z_]+-standby|databases-[a-z]+-standby/;
    const names = plain.resourcesOfType("aws:secretsmanager/secret:Secret").map((secret) => String(secret.inputs.name));
    for (const role of ["metrics_owner", "metrics_writer", "metrics_reader", "mlflow", "grafana"]) {
      expect(names).toContain(`mlops-cicd-staging/database/${role}-standby`);
    }
    for (const service of ["platform-mlflow", "platform-grafana"]) {
      const policy = String(plain.findResource("aws:iam/rolePolicy:RolePolicy", `${service}-execution`).inputs.policy);
      expect(policy).not.toMatch(databaseStandby);
    }
  });

  it("gives Grafana its database login and the reader's from the current secrets, by version, so a rotation rolls it", () => {
    const [container] = JSON.parse(String(plain.findResource("aws:ecs/taskDefinition:TaskDefinition", "platform-grafana").inputs.containerDefinitions));
    const secrets = Object.fromEntries((container.secrets as { name: string; valueFrom: string }[]).map((entry) => [entry.name, entry.valueFrom]));
    expect(secrets).toMatchObject({
      GF_DATABASE_USER: expect.stringMatching(/:secret:databases-grafana:username::[0-9a-f-]{36}$/),
      GF_DATABASE_PASSWORD: expect.stringMatching(/:secret:databases-grafana:password::[0-9a-f-]{36}$/),
      METRICS_READER_USER: expect.stringMatching(/:secret:databases-reader:username::[0-9a-f-]{36}$/),
      METRICS_READER_PASSWORD: expect.stringMatching(/:secret:databases-reader:password::[0-9a-f-]{36}$/),
    });
    expect((container.environment as { name: string }[]).map((entry) => entry.name)).not.toContain("GF_DATABASE_USER");
  });

  it("runs the provisioner again on a rotation: its trigger covers every current and standby version", () => {
    const invocation = plain.findResource("aws:lambda/invocation:Invocation", "databases-provisioner");
    const input = JSON.parse(String(invocation.inputs.input)) as { roles: { name: string; secretArn: string; standbySecretArn: string }[] };
    expect(input.roles.map((role) => role.standbySecretArn)).toEqual(ROLES.map((role) => expect.stringMatching(new RegExp(`:secret:databases-${role}-standby$`))));
    expect(invocation.inputs.triggers).toMatchObject({ credentials: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });
});

describe("the MLflow client logins through a rotation", () => {
  const CLIENTS = ["training", "registry", "deployment", "monitoring", "serving"] as const;
  const WORKFLOW_CLIENTS = ["training", "registry", "deployment", "monitoring"] as const;
  let plain: ProgramRun;
  let odd: ProgramRun;
  let even: ProgramRun;
  beforeAll(async () => {
    plain = await runProgram("production");
    odd = await runProgram("production", { "mlops-cicd:credentialGeneration": 5, "mlops-cicd:credentialRotatedOn": "2026-12-02" });
    even = await runProgram("production", { "mlops-cicd:credentialGeneration": 6, "mlops-cicd:credentialRotatedOn": "2027-03-02" });
  }, 180_000);

  const slotOf = (run: ProgramRun, client: string, alternate: boolean) => run.findResource(PASSWORD, `platform-mlflow-client-${client}${alternate ? "-alt" : ""}`);
  /** The username a workflow reads for `client`: a repository variable, or the registry environment's. */
  const publishedUsername = (run: ProgramRun, client: string) => {
    const variableName = `MLFLOW_${client.toUpperCase()}_USERNAME`;
    const found = [
      ...run.resourcesOfType("github:index/actionsVariable:ActionsVariable"),
      ...run.resourcesOfType("github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable"),
    ].filter((variable) => variable.inputs.variableName === variableName);
    expect(found).toHaveLength(1);
    return found[0].inputs.value;
  };

  it("without one, keeps each client's own password where it always was and moves neither slot", () => {
    for (const client of CLIENTS) {
      // The client's own password keeps its name: a stack from before rotation keeps it, and its keepers are ignored.
      expect(slotOf(plain, client, false).inputs).toMatchObject({ length: 48, special: false, keepers: { generation: "0" } });
      expect(slotOf(plain, client, true).inputs).toMatchObject({ length: 48, special: false, keepers: { generation: "-1" } });
      for (const alternate of [false, true]) expect(slotOf(plain, client, alternate).options.ignoreChanges).toEqual(["keepers"]);
    }
    // The workflows log in as the clients themselves, as before rotation.
    for (const client of WORKFLOW_CLIENTS) expect(publishedUsername(plain, client)).toBe(client);
  });

  it("with an odd generation, gives each twin a new password and publishes it as current; the clients' own passwords stay", () => {
    for (const client of CLIENTS) {
      expect(slotOf(odd, client, true).inputs.keepers).toEqual({ generation: "5", rotatedOn: "2026-12-02" });
      expect(slotOf(odd, client, true).options.ignoreChanges).toBeUndefined();
      expect(slotOf(odd, client, false).options.ignoreChanges).toEqual(["keepers"]);
    }
    for (const client of WORKFLOW_CLIENTS) expect(publishedUsername(odd, client)).toBe(`${client}_alt`);
  });

  it("with an even generation, the other way round: the clients' own logins current again, with new passwords", () => {
    for (const client of CLIENTS) {
      expect(slotOf(even, client, false).inputs.keepers).toEqual({ generation: "6", rotatedOn: "2027-03-02" });
      expect(slotOf(even, client, false).options.ignoreChanges).toBeUndefined();
      expect(slotOf(even, client, true).options.ignoreChanges).toEqual(["keepers"]);
    }
    for (const client of WORKFLOW_CLIENTS) expect(publishedUsername(even, client)).toBe(client);
  });

  it("publishes each password beside its username, both from the client's current login", () => {
    for (const run of [plain, odd]) {
      for (const client of WORKFLOW_CLIENTS) {
        const secrets = [...run.resourcesOfType("github:index/actionsSecret:ActionsSecret"), ...run.resourcesOfType("github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret")].filter(
          (secret) => secret.inputs.secretName === `MLFLOW_${client.toUpperCase()}_PASSWORD`,
        );
        expect(secrets).toHaveLength(1);
        // Either slot may be current: the secret waits for both passwords, whichever state says.
        expect(secrets[0].dependsOn).toEqual(expect.arrayContaining([slotOf(run, client, false).urn, slotOf(run, client, true).urn]));
      }
    }
  });

  it("gives MLflow both logins of every client by version, so a rotation rolls it and it keeps the previous login valid", () => {
    const [container] = JSON.parse(String(odd.findResource("aws:ecs/taskDefinition:TaskDefinition", "platform-mlflow").inputs.containerDefinitions));
    const secrets = Object.fromEntries((container.secrets as { name: string; valueFrom: string }[]).map((entry) => [entry.name, entry.valueFrom]));
    for (const client of CLIENTS) {
      const upper = client.toUpperCase();
      expect(secrets).toMatchObject({
        [`MLFLOW_CLIENT_USERNAME_${upper}`]: expect.stringMatching(new RegExp(`:secret:platform-mlflow-client-${client}:username::[0-9a-f-]{36}$`)),
        [`MLFLOW_CLIENT_PASSWORD_${upper}`]: expect.stringMatching(new RegExp(`:secret:platform-mlflow-client-${client}:password::[0-9a-f-]{36}$`)),
        [`MLFLOW_CLIENT_STANDBY_USERNAME_${upper}`]: expect.stringMatching(new RegExp(`:secret:platform-mlflow-client-${client}-standby:username::[0-9a-f-]{36}$`)),
        [`MLFLOW_CLIENT_STANDBY_PASSWORD_${upper}`]: expect.stringMatching(new RegExp(`:secret:platform-mlflow-client-${client}-standby:password::[0-9a-f-]{36}$`)),
      });
      expect(odd.findResource("aws:secretsmanager/secret:Secret", `platform-mlflow-client-${client}-standby`).inputs.name).toBe(`mlops-cicd-production/mlflow-client-${client}-standby`);
    }
    // The standby logins are MLflow's alone: no model service, batch job or GitHub secret reads them.
    for (const name of ["web-service", "batch"]) {
      expect(String(odd.findResource("aws:ecs/taskDefinition:TaskDefinition", name).inputs.containerDefinitions)).not.toMatch(/standby/);
    }
  });
});

describe("the metrics function through a rotation (the registry of record's stack)", () => {
  let production: ProgramRun;
  beforeAll(async () => {
    production = await runProgram("production", { "mlops-cicd:credentialGeneration": 5, "mlops-cicd:credentialRotatedOn": "2026-12-02" });
  }, 120_000);

  it("reads the writer's secret by the version this run wrote, set only after the provisioner gave the login that password", () => {
    const fn = production.findResource("aws:lambda/function:Function", "metrics");
    const variables = (fn.inputs.environment as { variables: Record<string, string> }).variables;
    // AWSCURRENT moves when the version is written, before the server has the password: never read it.
    expect(variables).toMatchObject({ WRITER_SECRET_ARN: expect.stringContaining("databases-writer"), WRITER_SECRET_VERSION_ID: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(fn.dependsOn).toEqual(
      expect.arrayContaining([
        production.findResource("aws:secretsmanager/secretVersion:SecretVersion", "databases-writer").urn,
        production.findResource("aws:lambda/invocation:Invocation", "databases-provisioner").urn,
      ]),
    );
  });
});
