/**
 * The AWS runtime of both stacks, as registered under the mock runtime: network, security groups
 * and the database, with production stricter where the product says so.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { contextHash } from "../infra/images/container-image";
import { subnetCidr } from "../infra/network/cidr";
import { RUNTIME_DOC, TOPOLOGY_STACK, renderedRuntimeDoc } from "../tools/render-diagrams";
import { topologyChart } from "../tools/synth/topology";
import { renderSummary } from "../tools/synth/write-output";
import { ProgramRun, runProgram } from "./harness";
import { parseMermaid, parsed } from "./mermaid";

/** Each stack's topology as its run draws it, parsed by Mermaid in one batch at the end. */
const topologies = new Map<string, string>();

const T = {
  vpc: "aws:ec2/vpc:Vpc",
  subnet: "aws:ec2/subnet:Subnet",
  nat: "aws:ec2/natGateway:NatGateway",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  db: "aws:rds/instance:Instance",
  parameterGroup: "aws:rds/parameterGroup:ParameterGroup",
  secret: "aws:secretsmanager/secret:Secret",
  awsProvider: "pulumi:providers:aws",
};

describe("subnetCidr", () => {
  it("carves /20 subnets out of a /16, and /24 out of a /20", () => {
    expect(subnetCidr("10.20.0.0/16", 0)).toBe("10.20.0.0/20");
    expect(subnetCidr("10.20.0.0/16", 8)).toBe("10.20.128.0/20");
    expect(subnetCidr("10.20.0.0/20", 9)).toBe("10.20.9.0/24");
  });

  it("never gives two indexes overlapping blocks", () => {
    const starts = Array.from({ length: 16 }, (_, index) => subnetCidr("172.16.0.0/16", index));
    expect(new Set(starts).size).toBe(16);
  });

  it("refuses an index outside the split", () => {
    expect(() => subnetCidr("10.20.0.0/16", 16)).toThrow("subnetCidr: index 16 is outside 0-15.");
  });
});

describe("contextHash", () => {
  it("changes when any file of the build context changes, and only then", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "context-"));
    try {
      fs.mkdirSync(path.join(dir, "sub"));
      fs.writeFileSync(path.join(dir, "Dockerfile"), "FROM x:1\n");
      fs.writeFileSync(path.join(dir, "sub", "a.txt"), "a");
      const first = contextHash(dir);
      expect(contextHash(dir)).toBe(first);
      fs.writeFileSync(path.join(dir, "sub", "a.txt"), "b");
      expect(contextHash(dir)).not.toBe(first);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each([
  ["staging", { zones: 2, nats: 1, multiAz: false, backups: 7, protect: false }],
  ["production", { zones: 3, nats: 3, multiAz: true, backups: 14, protect: true }],
] as const)("the %s runtime", (stack, expected) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram(stack);
  });

  it("draws its topology into synth's summary.md; production's is docs/runtime.md's", () => {
    const chart = topologyChart(run.resources);
    topologies.set(stack, chart);
    expect(renderSummary(run)).toContain(`## Topology\n\n`);
    expect(renderSummary(run)).toContain(`\`\`\`mermaid\n${chart}\n\`\`\`\n`);
    if (stack === TOPOLOGY_STACK) {
      const doc = fs.readFileSync(RUNTIME_DOC, "utf8");
      if (renderedRuntimeDoc(run.resources, doc) !== doc) throw new Error("docs/runtime.md's topology is stale: run `npm run gen:diagrams` (or `npm run gen`) and commit the result.");
      expect(doc).toContain(chart);
    }
  });

  it("keeps every component's type token: a token is part of each child's URN, so a new one would replace the stack", () => {
    const tokens = [...new Set(run.resources.map((resource) => resource.type).filter((type) => type.startsWith("mlops-cicd:")))].sort();
    expect(tokens).toEqual(
      expect.arrayContaining([
        "mlops-cicd:github:DeploymentEnvironment",
        "mlops-cicd:serving:ModelWebService",
        "mlops-cicd:serving:ScheduledBatchJob",
        "mlops-cicd:serving:ServiceDashboard",
        "mlops-cicd:services:PlatformServices",
        "mlops-cicd:services:ServiceCluster",
        "mlops-cicd:services:WebService",
      ]),
    );
    expect(tokens.filter((token) => /^mlops-cicd:(platform|model-serving):/.test(token))).toEqual([]);
  });

  it("uses one AWS provider for the configured region, tagging everything", () => {
    const [provider, ...others] = run.resourcesOfType(T.awsProvider);
    expect(others).toHaveLength(0);
    expect(provider?.inputs).toMatchObject({ region: "eu-west-1" });
    expect(JSON.parse(String(provider?.inputs.defaultTags))).toEqual({
      tags: { Project: "mlops-cicd", Stack: stack, Environment: stack, ManagedBy: "pulumi" },
    });
    for (const resource of run.resources.filter((entry) => entry.type.startsWith("aws:"))) {
      expect(resource.provider).toBe(`${provider?.urn}::aws-id`);
    }
  });

  it("names a provider explicitly for every resource: the default ones are disabled", () => {
    const custom = run.resources.filter((resource) => resource.custom && !resource.type.startsWith("pulumi:"));
    expect(custom.filter((resource) => resource.provider === undefined).map((resource) => resource.urn)).toEqual([]);
  });

  it("builds the MLflow, Grafana and dashboard-sync images from images/, tagged by content, pushed to GHCR and run by digest", () => {
    for (const [image, output] of [["mlflow", "mlflow"], ["grafana", "grafana"], ["dashboard-sync", "dashboardSync"]]) {
      const built = run.findResource("docker:index/image:Image", `${image}-image`);
      expect(built.inputs).toMatchObject({
        imageName: expect.stringMatching(new RegExp(`^ghcr\\.io/nyc-taxi-mlops/mlops-cicd-${image}:[0-9a-f]{16}$`)),
        build: { context: `images/${image}`, platform: "linux/amd64" },
        registry: { server: "ghcr.io", username: "nyc-taxi-mlops", password: "[secret]" },
      });
      expect((run.outputs.imageDigests as Record<string, string>)[output]).toMatch(new RegExp(`^ghcr\\.io/nyc-taxi-mlops/mlops-cicd-${image}@sha256:[0-9a-f]{64}$`));
    }
  });

  it(`spans ${expected.zones} zones with public and private subnets and ${expected.nats} NAT gateway(s)`, () => {
    const subnets = run.resourcesOfType(T.subnet);
    expect(subnets.filter((subnet) => (subnet.inputs.tags as Record<string, string>).Tier === "public")).toHaveLength(expected.zones);
    expect(subnets.filter((subnet) => (subnet.inputs.tags as Record<string, string>).Tier === "private")).toHaveLength(expected.zones);
    for (const subnet of subnets) expect(subnet.inputs.mapPublicIpOnLaunch).toBe(false);
    expect(run.resourcesOfType(T.nat)).toHaveLength(expected.nats);
  });

  it("opens nothing to the internet but HTTPS on the load balancer", () => {
    const open = run.resourcesOfType(T.ingress).filter((rule) => rule.inputs.cidrIpv4 === "0.0.0.0/0" || rule.inputs.cidrIpv6 === "::/0");
    expect(open.map((rule) => [rule.name, rule.inputs.fromPort, rule.inputs.toPort])).toEqual([
      ["runtime-lb-https-v4", 443, 443],
      ["runtime-lb-https-v6", 443, 443],
    ]);
    // The database takes PostgreSQL from the services and the provisioner, and nothing else.
    expect(
      run
        .resourcesOfType(T.ingress)
        .filter((rule) => rule.inputs.securityGroupId === "runtime-database-id")
        .map((rule) => [rule.inputs.referencedSecurityGroupId, rule.inputs.fromPort, rule.inputs.toPort]),
    ).toEqual([
      ["runtime-provisioner-id", 5432, 5432],
      ["runtime-services-id", 5432, 5432],
    ]);
  });

  it("runs PostgreSQL encrypted, private, TLS-only and backed up, stricter in production", () => {
    const db = run.findResource(T.db, "database");
    expect(db.inputs).toMatchObject({
      engine: "postgres",
      storageEncrypted: true,
      publiclyAccessible: false,
      backupRetentionPeriod: expected.backups,
      multiAz: expected.multiAz,
      deletionProtection: expected.protect,
      skipFinalSnapshot: !expected.protect,
      password: "[secret]",
    });
    if (expected.protect) expect(db.inputs.finalSnapshotIdentifier).toBe("mlops-cicd-production-final");
    // A restore happens once, at creation: clearing its keys afterwards must not replace the database.
    expect(db.options).toMatchObject({ ignoreChanges: ["restoreToPointInTime", "snapshotIdentifier"], ...(expected.protect ? { protect: true } : {}) });
    expect(run.findResource(T.parameterGroup, "database").inputs.parameters).toContainEqual({ name: "rds.force_ssl", value: "1" });
    expect(run.findResource(T.secret, "database-master").inputs.name).toBe(`mlops-cicd-${stack}/database/master`);
  });

  it("lets only this repository's jobs in this environment assume the deploy role, through OIDC", () => {
    const role = run.findResource("aws:iam/role:Role", "github-deploy");
    const trust = JSON.parse(String(role.inputs.assumeRolePolicy));
    expect(trust.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": `repo:nyc-taxi-mlops/trip-duration:environment:${stack}`,
          },
        },
      },
    ]);
    const policy = JSON.parse(String(run.findResource("aws:iam/rolePolicy:RolePolicy", "github-deploy-deploy").inputs.policy));
    const actions = policy.Statement.flatMap((statement: { Action: string | string[] }) => [statement.Action].flat());
    expect(actions.some((action: string) => action.endsWith(":*") || action === "*")).toBe(false);
    const unscoped = policy.Statement.filter((statement: { Resource: unknown }) => statement.Resource === "*");
    expect(unscoped.map((statement: { Sid: string }) => statement.Sid)).toEqual(["TaskDefinitions"]);
  });

  it("publishes the role, region and cluster to the environment as variables", () => {
    const variables = Object.fromEntries(
      run
        .resourcesOfType("github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable")
        .map((variable) => [variable.inputs.variableName, variable.inputs.value]),
    );
    expect(variables).toMatchObject({
      AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/github-deploy",
      AWS_REGION: "eu-west-1",
      ECS_CLUSTER: `mlops-cicd-${stack}`,
      ECS_SERVICE_PREFIX: `mlops-cicd-${stack}`,
    });
  });

  it("makes the databases and roles from inside the VPC: a provisioner function invoked with secret ARNs, never a password", () => {
    const fn = run.findResource("aws:lambda/function:Function", "databases-provisioner");
    expect(fn.inputs).toMatchObject({
      name: `mlops-cicd-${stack}-db-provisioner`,
      runtime: "nodejs24.x",
      handler: "index.handler",
      vpcConfig: { securityGroupIds: ["runtime-provisioner-id"] },
      environment: { variables: { NODE_EXTRA_CA_CERTS: "/var/runtime/ca-cert.pem" } },
    });
    // On the private subnets, the ones with a route out through NAT to Secrets Manager.
    const subnets = (fn.inputs.vpcConfig as { subnetIds: string[] }).subnetIds;
    expect(subnets).toEqual(run.resourcesOfType(T.subnet).filter((subnet) => subnet.name.includes("private")).map((subnet) => `${subnet.name}-id`));
    const invocation = run.findResource("aws:lambda/invocation:Invocation", "databases-provisioner");
    const input = JSON.parse(String(invocation.inputs.input)) as {
      masterSecretArn: string;
      roles: { name: string; secretArn: string; standbySecretArn: string }[];
      databases: unknown[];
      metrics: unknown;
    };
    expect(input.masterSecretArn).toMatch(/:secret:database-master$/);
    expect(input.roles.map((role) => role.name)).toEqual(["metrics_owner", "metrics_writer", "metrics_reader", "mlflow", "grafana"]);
    expect(input.databases).toEqual([
      { name: "metrics", owner: "metrics_owner" },
      { name: "mlflow", owner: "mlflow" },
      // MLflow's users apart from its runs: before 3.6 both stores version in alembic_version.
      { name: "mlflow_auth", owner: "mlflow" },
      { name: "grafana", owner: "grafana" },
    ]);
    expect(input.metrics).toEqual({ database: "metrics", roleNames: { owner: "metrics_owner", writer: "metrics_writer", reader: "metrics_reader" } });
    expect(String(invocation.inputs.input)).not.toMatch(/password/i);
    // Its role reads exactly the secrets it is told about.
    const policy = JSON.parse(String(run.findResource("aws:iam/rolePolicy:RolePolicy", "databases-provisioner").inputs.policy)) as { Statement: { Sid: string; Resource: unknown }[] };
    expect(policy.Statement.find((statement) => statement.Sid === "Credentials")?.Resource).toEqual(
      [input.masterSecretArn, ...input.roles.flatMap((role) => [role.secretArn, role.standbySecretArn])].sort(),
    );
    // Each role's standby login (the slot that is not current) has its own secret.
    for (const role of input.roles) expect(role.standbySecretArn).toBe(`${role.secretArn}-standby`);
  });

  it("keeps every generated database password in Secrets Manager, none in outputs", () => {
    const secrets = run.resourcesOfType(T.secret).map((secret) => secret.inputs.name);
    expect(secrets).toEqual(
      expect.arrayContaining(["metrics_owner", "metrics_writer", "metrics_reader", "mlflow"].map((role) => `mlops-cicd-${stack}/database/${role}`)),
    );
    for (const version of run.resourcesOfType("aws:secretsmanager/secretVersion:SecretVersion")) expect(version.inputs.secretString).toBe("[secret]");
    expect(JSON.stringify(run.outputs)).not.toMatch(/password/i);
  });

  it("keeps MLflow's artifacts in a private, versioned, encrypted, TLS-only bucket", () => {
    const bucket = run.findResource("aws:s3/bucket:Bucket", "mlflow-artifacts");
    expect(bucket.inputs.forceDestroy).toBe(!expected.protect);
    expect(bucket.options.protect).toBe(expected.protect ? true : undefined);
    expect(run.findResource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "mlflow-artifacts").inputs).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(run.findResource("aws:s3/bucketVersioning:BucketVersioning", "mlflow-artifacts").inputs.versioningConfiguration).toEqual({ status: "Enabled" });
    expect(run.findResource("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "mlflow-artifacts").inputs.rules).toEqual([
      { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true },
    ]);
    const policy = JSON.parse(String(run.findResource("aws:s3/bucketPolicy:BucketPolicy", "mlflow-artifacts").inputs.policy));
    expect(policy.Statement[0]).toMatchObject({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } });
  });

  it("serves MLflow and Grafana over HTTPS only, with a modern TLS policy and unknown hosts refused", () => {
    const listeners = run.resourcesOfType("aws:lb/listener:Listener");
    expect(listeners.map((listener) => [listener.inputs.port, listener.inputs.protocol, listener.inputs.sslPolicy])).toEqual([
      [443, "HTTPS", "ELBSecurityPolicy-TLS13-1-2-2021-06"],
    ]);
    expect(listeners[0]?.inputs.defaultActions).toEqual([{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "404", messageBody: "Not found" } }]);
    const hosts = run.resourcesOfType("aws:lb/listenerRule:ListenerRule").map((rule) => (rule.inputs.conditions as { hostHeader: { values: string[] } }[])[0]?.hostHeader.values[0]);
    const domain = stack === "production" ? "example.com" : "staging.example.com";
    const api = stack === "production" ? "api.example.com" : "staging-api.example.com";
    // The API host twice: the web service, and MLflow's model server at /invocations; in production
    // twice more, the canaries' test routes (the same host with the test-traffic header).
    const apiRules = stack === "production" ? [api, api, api, api] : [api, api];
    expect(hosts.sort()).toEqual([...apiRules, `grafana.${domain}`, `mlflow.${domain}`].sort());
  });

  it("runs the services privately, by image digest, with secrets only from Secrets Manager, rolling back failed deployments", () => {
    for (const name of ["platform-mlflow", "platform-grafana"]) {
      const service = run.findResource("aws:ecs/service:Service", name);
      expect(service.inputs).toMatchObject({
        launchType: "FARGATE",
        desiredCount: stack === "production" ? 2 : 1,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        networkConfiguration: { assignPublicIp: false, securityGroups: ["runtime-services-id"] },
      });
      const [container] = JSON.parse(String(run.findResource("aws:ecs/taskDefinition:TaskDefinition", name).inputs.containerDefinitions));
      expect(container.image).toMatch(/@sha256:[0-9a-f]{64}$/);
      expect(container.privileged).toBe(false);
      expect(container.repositoryCredentials.credentialsParameter).toMatch(/^arn:aws:secretsmanager:/);
      for (const variable of container.environment) expect(variable.name).not.toMatch(/(^|_)(PASSWORD|SECRET|KEY|TOKEN|URI)(_|$)/);
      // By the version this run wrote: a new one (a rotation) is a new task definition, and the service rolls.
      for (const secret of container.secrets) expect(secret.valueFrom).toMatch(/^arn:aws:secretsmanager:.+:(username|password|uri|auth_uri)::[0-9a-f-]{36}$/);
      expect(run.findResource("aws:cloudwatch/logGroup:LogGroup", name).inputs.retentionInDays).toBe(stack === "production" ? 90 : 30);
    }
  });

  it("checks the services' health where the images do: MLflow /health, Grafana /api/health", () => {
    expect(run.findResource("aws:lb/targetGroup:TargetGroup", "platform-mlflow").inputs.healthCheck).toMatchObject({ path: "/health", matcher: "200" });
    expect(run.findResource("aws:lb/targetGroup:TargetGroup", "platform-grafana").inputs.healthCheck).toMatchObject({ path: "/api/health", matcher: "200" });
  });

  it("creates each service after its route, its image and its database credentials", () => {
    const mlflow = run.findResource("aws:ecs/service:Service", "platform-mlflow");
    expect(mlflow.dependsOn).toContain(run.findResource("aws:lb/listenerRule:ListenerRule", "platform-mlflow").urn);
    const taskDefinition = run.findResource("aws:ecs/taskDefinition:TaskDefinition", "platform-mlflow");
    expect(taskDefinition.dependsOn).toContain(run.findResource("docker:index/image:Image", "mlflow-image").urn);
    expect(taskDefinition.dependsOn).toContain(run.findResource("aws:secretsmanager/secret:Secret", "databases-mlflow").urn);
  });

  it("lets MLflow's task role touch only the artifacts prefix of its bucket, and defines the db-upgrade task", () => {
    const policy = JSON.parse(String(run.findResource("aws:iam/rolePolicy:RolePolicy", "platform-mlflow-task").inputs.policy));
    expect(policy.Statement.map((statement: { Resource: string }) => statement.Resource)).toEqual([
      `arn:aws:s3:::mlops-cicd-${stack}-artifacts-mlflow-artifacts/artifacts/*`,
      `arn:aws:s3:::mlops-cicd-${stack}-artifacts-mlflow-artifacts`,
    ]);
    const upgrade = run.findResource("aws:ecs/taskDefinition:TaskDefinition", "platform-mlflow-upgrade");
    expect(upgrade.inputs.family).toBe(`mlops-cicd-${stack}-mlflow-upgrade`);
    expect(JSON.parse(String(upgrade.inputs.containerDefinitions))[0].command).toEqual(["upgrade"]);
  });

  describe("the application team's dashboards", () => {
    const bucket = `arn:aws:s3:::mlops-cicd-${stack}-artifacts-mlflow-artifacts`;
    const containers = (name: string) =>
      JSON.parse(String(run.findResource("aws:ecs/taskDefinition:TaskDefinition", name).inputs.containerDefinitions)) as Record<string, unknown>[];

    it("runs dashboard-sync beside Grafana: by digest, essential, writing the task's own volume that Grafana reads read-only once it is ready", () => {
      const task = run.findResource("aws:ecs/taskDefinition:TaskDefinition", "platform-grafana");
      // A bind mount of the task's storage: no host path, no EFS, gone with the task.
      // As ECS returns it: an omitted configureAtLaunch reads back as false, a perpetual diff.
      expect(task.inputs.volumes).toEqual([{ name: "application-dashboards", configureAtLaunch: false }]);
      const [grafana, sync, ...others] = containers("platform-grafana");
      expect(others).toEqual([]);
      expect(grafana).toMatchObject({
        name: "grafana",
        mountPoints: [{ sourceVolume: "application-dashboards", containerPath: "/var/lib/grafana/dashboards/application", readOnly: true }],
        // Not on an empty folder: the provider would drop the team's dashboards until the first copy.
        dependsOn: [{ containerName: "dashboard-sync", condition: "HEALTHY" }],
      });
      expect(sync).toMatchObject({
        name: "dashboard-sync",
        image: expect.stringMatching(/^ghcr\.io\/nyc-taxi-mlops\/mlops-cicd-dashboard-sync@sha256:[0-9a-f]{64}$/),
        essential: true,
        privileged: false,
        portMappings: [],
        secrets: [],
        mountPoints: [{ sourceVolume: "application-dashboards", containerPath: "/dashboards", readOnly: false }],
        healthCheck: { command: ["CMD", "test", "-e", "/tmp/first-round-done"], interval: 10, timeout: 5, retries: 3, startPeriod: 120 },
        environment: [
          { name: "DASHBOARDS_DIR", value: "/dashboards" },
          { name: "DASHBOARDS_SOURCE", value: `s3://mlops-cicd-${stack}-artifacts-mlflow-artifacts/grafana-dashboards/` },
          { name: "SYNC_INTERVAL_SECONDS", value: "60" },
        ],
        logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": `/ecs/mlops-cicd-${stack}-grafana`, "awslogs-stream-prefix": "dashboard-sync" } },
      });
      expect(task.dependsOn).toContain(run.findResource("docker:index/image:Image", "dashboard-sync-image").urn);
    });

    it("keeps the sidecar out of the one-off reset-admin task and every other task definition", () => {
      const reset = run.findResource("aws:ecs/taskDefinition:TaskDefinition", "platform-grafana-reset-admin");
      expect(reset.inputs.volumes).toBeUndefined();
      expect(containers("platform-grafana-reset-admin").map((container) => [container.name, container.mountPoints, container.dependsOn])).toEqual([
        ["grafana", undefined, undefined],
      ]);
      for (const task of run.resourcesOfType("aws:ecs/taskDefinition:TaskDefinition").filter((resource) => resource.name !== "platform-grafana")) {
        expect({ task: task.name, containers: containers(task.name).length, volumes: task.inputs.volumes }).toEqual({ task: task.name, containers: 1, volumes: undefined });
      }
    });

    it("lets Grafana's task role read the dashboards prefix and nothing else in S3", () => {
      const policy = JSON.parse(String(run.findResource("aws:iam/rolePolicy:RolePolicy", "platform-grafana-task").inputs.policy));
      // Its S3 statements; the CloudWatch reads beside them are tests/grafana-cloudwatch.test.ts's.
      const s3 = policy.Statement.filter((statement: { Action: string | string[] }) => [statement.Action].flat().some((action) => action.startsWith("s3:")));
      expect(s3).toEqual([
        { Sid: "ReadDashboards", Effect: "Allow", Action: "s3:GetObject", Resource: `${bucket}/grafana-dashboards/*` },
        { Sid: "ListDashboards", Effect: "Allow", Action: "s3:ListBucket", Resource: bucket, Condition: { StringLike: { "s3:prefix": ["grafana-dashboards/*"] } } },
      ]);
    });

    it("lets the deploy role list the prefix and put and delete under it, and tells the environment where it is", () => {
      const policy = JSON.parse(String(run.findResource("aws:iam/rolePolicy:RolePolicy", "github-deploy-deploy").inputs.policy));
      const s3 = policy.Statement.filter((statement: { Action: string | string[] }) => [statement.Action].flat().some((action) => action.startsWith("s3:")));
      expect(s3).toEqual([
        { Sid: "ListDashboards", Effect: "Allow", Action: "s3:ListBucket", Resource: bucket, Condition: { StringLike: { "s3:prefix": ["grafana-dashboards/*"] } } },
        { Sid: "WriteDashboards", Effect: "Allow", Action: ["s3:PutObject", "s3:DeleteObject"], Resource: `${bucket}/grafana-dashboards/*` },
      ]);
      const uri = run
        .resourcesOfType("github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable")
        .find((variable) => variable.inputs.variableName === "GRAFANA_DASHBOARDS_URI");
      expect(uri?.inputs).toMatchObject({ environment: stack, value: `s3://mlops-cicd-${stack}-artifacts-mlflow-artifacts/grafana-dashboards/` });
    });
  });

  it("gives every MLflow client its own generated login, in Secrets Manager, and MLflow every password to converge its users", () => {
    const clients = ["training", "registry", "deployment", "monitoring", "serving"];
    for (const client of clients) {
      expect(run.findResource("aws:secretsmanager/secret:Secret", `platform-mlflow-client-${client}`).inputs.name).toBe(`mlops-cicd-${stack}/mlflow-client-${client}`);
      expect(run.findResource("random:index/randomPassword:RandomPassword", `platform-mlflow-client-${client}`).inputs).toMatchObject({ length: 48, special: false });
    }
    const [container] = JSON.parse(String(run.findResource("aws:ecs/taskDefinition:TaskDefinition", "platform-mlflow").inputs.containerDefinitions));
    const environment = Object.fromEntries(container.environment.map((entry: { name: string; value: string }) => [entry.name, entry.value]));
    expect(environment).toMatchObject({ MLFLOW_MODEL_NAME: "nyc-taxi-trip-duration", MLFLOW_CLIENTS: "training:READ registry:EDIT deployment:READ monitoring:READ serving:READ" });
    const secrets = container.secrets.map((entry: { name: string }) => entry.name);
    // Both logins of every client, the current one and the standby one, each by the version this run wrote.
    for (const client of clients) {
      for (const [kind, key] of [["", ""], ["STANDBY_", "-standby"]]) {
        for (const field of ["USERNAME", "PASSWORD"]) {
          expect(container.secrets).toContainEqual({
            name: `MLFLOW_CLIENT_${kind}${field}_${client.toUpperCase()}`,
            valueFrom: expect.stringMatching(new RegExp(`:secret:platform-mlflow-client-${client}${key}:${field.toLowerCase()}::[0-9a-f-]{36}$`)),
          });
        }
      }
    }
    expect(secrets.filter((name: string) => name.startsWith("MLFLOW_CLIENT_"))).toHaveLength(clients.length * 4);
    expect(container.secrets).toContainEqual({ name: "MLFLOW_AUTH_DATABASE_URI", valueFrom: expect.stringMatching(/databases-mlflow:auth_uri::[0-9a-f-]{36}$/) });
    // The one-off reset is gone: every start sets the passwords (images/mlflow/ensure_access.py).
    expect(run.resources.filter((resource) => resource.name === "platform-mlflow-reset-admin")).toEqual([]);
  });

  it("runs the model services and the batch job as MLflow's read-only serving client, its current login read as each task starts", () => {
    const servingSecret = run.findResource("aws:secretsmanager/secret:Secret", "platform-mlflow-client-serving");
    for (const name of ["web-service", "mlflow-service", "batch"]) {
      const definition = run.findResource("aws:ecs/taskDefinition:TaskDefinition", name);
      const [container] = JSON.parse(String(definition.inputs.containerDefinitions));
      // `serving` or its twin, whichever is current: the username comes from the secret with the
      // password, not pinned to a version, since the pipeline copies the revision it replaces.
      expect(container.environment.map((entry: { name: string }) => entry.name)).not.toContain("MLFLOW_TRACKING_USERNAME");
      expect(container.secrets).toEqual([
        { name: "MLFLOW_TRACKING_PASSWORD", valueFrom: expect.stringMatching(/:secret:platform-mlflow-client-serving:password::$/) },
        { name: "MLFLOW_TRACKING_USERNAME", valueFrom: expect.stringMatching(/:secret:platform-mlflow-client-serving:username::$/) },
      ]);
      // The task starts only once the value is written: the ARN waits for the secret's version.
      expect(definition.dependsOn).toContain(servingSecret.urn);
    }
  });

  it("publishes the database host to the environment as a secret, from the instance", () => {
    const prefix = stack === "production" ? "PROD" : "STAGING";
    const secret = run.findResource("github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret", `${stack}-${prefix}_DB_HOST`);
    expect(secret.inputs.value).toBe("[secret]");
    expect(secret.dependsOn).toContain(run.findResource(T.db, "database").urn);
  });
});

it("adopts the account's existing OIDC provider when one is named", async () => {
  const arn = "arn:aws:iam::210987654321:oidc-provider/token.actions.githubusercontent.com";
  const run = await runProgram("staging", { "mlops-cicd:githubOidcProviderArn": arn });
  expect(run.resourcesOfType("aws:iam/openIdConnectProvider:OpenIdConnectProvider")).toHaveLength(0);
  expect(JSON.parse(String(run.findResource("aws:iam/role:Role", "github-deploy").inputs.assumeRolePolicy)).Statement[0].Principal).toEqual({ Federated: arn });
});

it("restores the database from a snapshot when disaster recovery names one", async () => {
  const run = await runProgram("production", { "mlops-cicd:dbSnapshotIdentifier": "mlops-cicd-production-final" });
  expect(run.findResource(T.db, "database").inputs.snapshotIdentifier).toBe("mlops-cicd-production-final");
});

describe("the topologies drawn above", () => {
  it("are flowcharts Mermaid parses, one per stack, each with the VPC inside the AWS account", () => {
    const stacks = [...topologies.keys()];
    expect(stacks).toEqual(["staging", "production"]);
    const results = parseMermaid([...topologies.values()]);
    stacks.forEach((stack, index) => {
      const diagram = parsed(results[index], topologies.get(stack) ?? "");
      const aws = diagram.subgraphs.find((subgraph) => subgraph.title === "AWS account");
      const vpc = diagram.subgraphs.find((subgraph) => subgraph.title === "VPC");
      expect(aws?.nodes).toContain(vpc?.id);
      // Production keeps a replica bucket and replicated backups in its recovery region: drawn there, a store each.
      const stores = stack === "production" ? ["database", "database", "mlflow-artifacts", "mlflow-artifacts"] : ["database", "mlflow-artifacts"];
      expect(diagram.nodes.filter((node) => node.shape === "cylinder").map((node) => node.label.split("\n")[0]).sort()).toEqual(stores);
      expect(diagram.subgraphs.filter((subgraph) => subgraph.title.startsWith("Recovery region")).map((subgraph) => subgraph.title)).toEqual(stack === "production" ? ["Recovery region eu-central-1"] : []);
      expect(diagram.links).toEqual([]);
    });
  });
});
