/**
 * Grafana's CloudWatch data source and the model services and database dashboards: every panel's
 * query checked against the metrics the runtime's resources publish (namespace, metric, dimension
 * schema, a statistic that means something for the metric, the panel's unit), every dimension
 * value resolved through the dashboard's variables to the names the program gives its resources,
 * and the task role holding exactly the permissions the queries and variables use.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { CloudWatchMetricsQuery } from "@grafana/grafana-foundation-sdk/cloudwatch";
import { MODEL_SERVICES, RESOURCE_TAGS, runtimeNames } from "../contracts/runtime-names";
import { PROJECT_NAME } from "../contracts/project";
import { grafanaCloudWatchStatements } from "../infra/platform/grafana-cloudwatch-access";
import { STACK_DASHBOARDS, stackDashboardUrl } from "../contracts/grafana-dashboards";
import { CLOUDWATCH_DATASOURCE, REGION_VARIABLE, renderGrafanaFiles, stackCapture } from "../tools/grafana";
import { IMAGES_DIR } from "../tools/render-images";
import { ProgramRun, STACKS, runProgram } from "./harness";

const files = new Map(renderGrafanaFiles({ database: "metrics", alertThreshold: 0.5, maxAgeHours: 7 }).map((file) => [file.path, file.content]));
const datasources = parse(files.get("provisioning/datasources/cloudwatch.yaml") as string) as { datasources: Record<string, unknown>[] };

interface Variable {
  readonly name: string;
  readonly type: string;
  readonly query: string | { readonly queryType: string; readonly [key: string]: unknown };
  readonly regex?: string;
  readonly datasource?: { readonly type: string; readonly uid: string };
}
interface Panel {
  readonly type: string;
  readonly title: string;
  readonly repeat?: string;
  readonly datasource?: { readonly type: string; readonly uid: string };
  readonly fieldConfig?: { readonly defaults: { readonly unit?: string } };
  readonly targets?: CloudWatchMetricsQuery[];
}
interface Dashboard {
  readonly uid: string;
  readonly editable: boolean;
  readonly panels: Panel[];
  readonly templating: { readonly list: Variable[] };
}
const dashboard = (uid: string) => JSON.parse(files.get(`dashboards/${uid}.json`) as string) as Dashboard;
const DASHBOARDS = [dashboard(STACK_DASHBOARDS.modelServices), dashboard(STACK_DASHBOARDS.database)];
const graphs = (board: Dashboard) => board.panels.filter((panel) => panel.type !== "row");

/**
 * What the runtime's resources publish, from AWS's metric references: each namespace's dimension
 * schema, and per metric the statistics that mean something for it and the Grafana unit it is in.
 * @see https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html
 * @see https://docs.aws.amazon.com/AmazonECS/latest/developerguide/available-metrics.html
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-metrics.html
 */
const PERCENTILE = /^p\d{1,2}(\.\d+)?$/;
const GAUGE = ["Average", "Minimum", "Maximum"];
const PUBLISHED: Record<string, { dimensions: string[]; metrics: Record<string, { statistics: (string | RegExp)[]; unit: string }> }> = {
  "AWS/ApplicationELB": {
    dimensions: ["LoadBalancer", "TargetGroup"],
    metrics: {
      RequestCount: { statistics: ["Sum"], unit: "short" },
      HTTPCode_Target_4XX_Count: { statistics: ["Sum"], unit: "short" },
      HTTPCode_Target_5XX_Count: { statistics: ["Sum"], unit: "short" },
      TargetResponseTime: { statistics: ["Average", PERCENTILE], unit: "s" },
      HealthyHostCount: { statistics: GAUGE, unit: "short" },
      UnHealthyHostCount: { statistics: GAUGE, unit: "short" },
    },
  },
  "AWS/ECS": {
    dimensions: ["ClusterName", "ServiceName"],
    metrics: { CPUUtilization: { statistics: GAUGE, unit: "percent" }, MemoryUtilization: { statistics: GAUGE, unit: "percent" } },
  },
  "AWS/RDS": {
    dimensions: ["DBInstanceIdentifier"],
    metrics: {
      CPUUtilization: { statistics: GAUGE, unit: "percent" },
      DatabaseConnections: { statistics: GAUGE, unit: "short" },
      FreeableMemory: { statistics: GAUGE, unit: "bytes" },
      FreeStorageSpace: { statistics: GAUGE, unit: "bytes" },
      ReadLatency: { statistics: GAUGE, unit: "s" },
      WriteLatency: { statistics: GAUGE, unit: "s" },
      ReadIOPS: { statistics: GAUGE, unit: "iops" },
      WriteIOPS: { statistics: GAUGE, unit: "iops" },
      DiskQueueDepth: { statistics: GAUGE, unit: "short" },
    },
  },
};
/** CloudWatch metric math functions the expressions may call. */
const MATH_FUNCTIONS = new Set(["FILL", "IF", "SUM", "MAX", "MIN", "AVG"]);

/** A variable's `regex` applied as Grafana applies it: no match drops the value, a capture group becomes the value. */
function applyVariableRegex(regex: string, value: string): string | undefined {
  const [, source = "", flags = ""] = /^\/(.*)\/([gimsuy]*)$/.exec(regex) ?? [];
  const match = new RegExp(source, flags).exec(value);
  if (!match) return undefined;
  return match[1] ?? match[0];
}

/** `${name}` references replaced by `values`; any other reference fails the test. */
function substitute(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{(\w+)\}/g, (_m, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`No value for variable ${name} in ${text}`);
    return value;
  });
}

describe("the CloudWatch data source", () => {
  it("signs with the task role's credentials, in the region the task's environment names, with no key anywhere", () => {
    expect(datasources.datasources).toEqual([
      {
        name: "CloudWatch",
        type: "cloudwatch",
        uid: CLOUDWATCH_DATASOURCE.uid,
        access: "proxy",
        isDefault: false,
        editable: false,
        jsonData: { authType: "default", defaultRegion: `$${REGION_VARIABLE}` },
      },
    ]);
    expect(files.get("provisioning/datasources/cloudwatch.yaml")).not.toMatch(/accessKey|secretKey|assumeRoleArn|secureJsonData/);
  });

  it("is the only way the image lets Grafana reach AWS: no keys, no other role", () => {
    const dockerfile = fs.readFileSync(path.join(IMAGES_DIR, "grafana", "Dockerfile"), "utf8");
    expect(dockerfile).toMatch(/^\s+GF_AWS_ALLOWED_AUTH_PROVIDERS=default \\$/m);
    expect(dockerfile).toMatch(/^\s+GF_AWS_ASSUME_ROLE_ENABLED=false \\$/m);
  });

  it("is what every panel, query and variable of the two dashboards names", () => {
    for (const board of DASHBOARDS) {
      expect(board.editable).toBe(false);
      for (const panel of graphs(board)) {
        expect({ panel: panel.title, datasource: panel.datasource }).toEqual({ panel: panel.title, datasource: { ...CLOUDWATCH_DATASOURCE } });
        for (const target of panel.targets ?? []) expect(target.datasource).toEqual({ ...CLOUDWATCH_DATASOURCE });
      }
      for (const variable of board.templating.list.filter((entry) => entry.type === "query")) expect(variable.datasource).toEqual({ ...CLOUDWATCH_DATASOURCE });
    }
  });
});

describe("the dashboards' panels", () => {
  it("chart the spec's performance indicators for the model services and the database", () => {
    expect(DASHBOARDS.map((board) => board.panels.map((panel) => panel.title))).toEqual([
      [
        "CPU utilisation",
        "Memory utilisation",
        "Target group ${targetgroup}",
        "Requests",
        "Response time",
        "Healthy targets",
        "5xx error rate",
        "4xx error rate",
      ],
      ["CPU utilisation", "Connections", "Freeable memory", "Free storage", "Read and write latency", "Read and write IOPS", "Disk queue depth"],
    ]);
    // The target group panels repeat per target group: a canary service's two side by side.
    expect(DASHBOARDS[0]?.panels.find((panel) => panel.type === "row")?.repeat).toBe("targetgroup");
  });

  const everyPanel = DASHBOARDS.flatMap((board) => graphs(board).map((panel) => [`${board.uid}: ${panel.title}`, panel] as const));

  it.each(everyPanel)("%s reads metrics the runtime publishes, by their full dimension schema, in the panel's unit", (_title, panel) => {
    const targets = panel.targets ?? [];
    expect(targets.length).toBeGreaterThan(0);
    expect(new Set(targets.map((target) => target.refId)).size).toBe(targets.length);
    for (const target of targets) {
      expect(target).toMatchObject({ queryMode: "Metrics", metricQueryType: 0, region: "default" });
      if (target.metricEditorMode === 1) continue;
      expect(target.metricEditorMode).toBe(0);
      const namespace = PUBLISHED[target.namespace];
      expect({ namespace: target.namespace, known: namespace !== undefined }).toEqual({ namespace: target.namespace, known: true });
      const metric = namespace?.metrics[target.metricName ?? ""];
      expect({ metric: target.metricName, known: metric !== undefined }).toEqual({ metric: target.metricName, known: true });
      expect(Object.keys(target.dimensions ?? {}).sort()).toEqual([...(namespace?.dimensions ?? [])].sort());
      expect(target.matchExact).toBe(true);
      expect(metric?.statistics.some((statistic) => (typeof statistic === "string" ? statistic === target.statistic : statistic.test(target.statistic ?? "")))).toBe(true);
      expect(target.label).toBeTruthy();
      if (!target.hide) expect({ metric: target.metricName, unit: panel.fieldConfig?.defaults.unit }).toEqual({ metric: target.metricName, unit: metric?.unit });
    }
  });

  it.each(everyPanel.filter(([, panel]) => panel.targets?.some((target) => target.metricEditorMode === 1)))(
    "%s computes its expression from hidden queries of the same panel, as a percentage",
    (_title, panel) => {
      const targets = panel.targets ?? [];
      const hidden = targets.filter((target) => target.hide);
      for (const target of hidden) expect(target.id).toMatch(/^[a-z][A-Za-z0-9_]*$/);
      expect(new Set(hidden.map((target) => target.id)).size).toBe(hidden.length);
      const [expression, ...more] = targets.filter((target) => target.metricEditorMode === 1);
      expect(more).toEqual([]);
      const identifiers = [...(expression?.expression ?? "").matchAll(/[A-Za-z_]\w*/g)].map((match) => match[0]);
      expect(identifiers.filter((word) => !MATH_FUNCTIONS.has(word)).sort()).toEqual(hidden.map((target) => target.id).sort());
      // Both counts of one target group, summed by period: the expression divides like with like.
      expect(hidden.map((target) => [target.statistic, target.dimensions])).toEqual(hidden.map(() => ["Sum", hidden[0]?.dimensions]));
      expect(expression?.expression).toMatch(/^100 \* /);
      expect(panel.fieldConfig?.defaults.unit).toBe("percent");
    },
  );

  it("refer only to variables the dashboard defines, each defined before it is used", () => {
    for (const board of DASHBOARDS) {
      const defined = board.templating.list.map((variable) => variable.name);
      const used = (text: string) => [...text.matchAll(/\$\{(\w+)\}|\$(\w+)/g)].map((match) => match[1] ?? match[2]);
      for (const panel of board.panels) {
        for (const name of [...used(JSON.stringify(panel.targets ?? [])), ...used(panel.title), ...(panel.repeat ? [panel.repeat] : [])]) expect(defined).toContain(name);
      }
      board.templating.list.forEach((variable, index) => {
        for (const name of used(JSON.stringify(variable.query))) expect(defined.slice(0, index)).toContain(name);
      });
    }
  });
});

describe("the dashboards' variables", () => {
  const variable = (board: Dashboard, name: string) => board.templating.list.find((entry) => entry.name === name) as Variable;
  const [services, database] = DASHBOARDS as [Dashboard, Dashboard];

  it("list the stacks from the names the program gives their cluster and database, whatever the stack is called", () => {
    for (const stack of [...STACKS, "dr-eu-central-1"]) {
      const names = runtimeNames(stack);
      expect(applyVariableRegex(variable(services, "stack").regex as string, names.cluster)).toBe(stack);
      expect(applyVariableRegex(variable(database, "stack").regex as string, names.database)).toBe(stack);
    }
    expect(applyVariableRegex(stackCapture((stack) => runtimeNames(stack).cluster), "another-project-staging")).toBeUndefined();
    expect(variable(services, "stack").query).toMatchObject({ queryType: "dimensionValues", namespace: "AWS/ECS", dimensionKey: "ClusterName", region: "default" });
    expect(variable(database, "stack").query).toMatchObject({ queryType: "dimensionValues", namespace: "AWS/RDS", dimensionKey: "DBInstanceIdentifier", region: "default" });
  });

  it("offer every routed model service", () => {
    expect(variable(services, "service").query).toBe(MODEL_SERVICES.join(","));
  });

  it("cut the load balancer's and target groups' ARNs to the dimension values CloudWatch publishes them under", () => {
    const lb = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/services-1a2b3c4/50dc6c495c0c9188";
    const tg = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-service-primary-9f8e7d6/73e2d6bc24d8a067";
    expect(applyVariableRegex(variable(services, "loadbalancer").regex as string, lb)).toBe("app/services-1a2b3c4/50dc6c495c0c9188");
    expect(applyVariableRegex(variable(services, "loadbalancer").regex as string, lb.replace("/app/", "/net/"))).toBeUndefined();
    expect(applyVariableRegex(variable(services, "targetgroup").regex as string, tg)).toBe("targetgroup/web-service-primary-9f8e7d6/73e2d6bc24d8a067");
    expect(variable(services, "loadbalancer").query).toMatchObject({ queryType: "resourceARNs", resourceType: "elasticloadbalancing:loadbalancer" });
    expect(variable(services, "targetgroup").query).toMatchObject({ queryType: "resourceARNs", resourceType: "elasticloadbalancing:targetgroup" });
  });
});

describe.each(STACKS)("the %s stack against the dashboards", (stack) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram(stack);
  });

  const services = DASHBOARDS[0] as Dashboard;
  const database = DASHBOARDS[1] as Dashboard;
  const dimensionValues = (board: Dashboard, namespace: string) =>
    graphs(board).flatMap((panel) => (panel.targets ?? []).filter((target) => target.namespace === namespace).map((target) => target.dimensions as Record<string, string>));

  it("names the cluster, the model services and the database as the dashboards resolve them", () => {
    const cluster = run.resourcesOfType("aws:ecs/cluster:Cluster");
    expect(cluster.map((resource) => resource.inputs.name)).toEqual([runtimeNames(stack).cluster]);
    const modelServices = run.resourcesOfType("mlops-cicd:serving:ModelWebService").map((component) => component.name);
    expect(modelServices.sort()).toEqual([...MODEL_SERVICES].sort());
    for (const service of MODEL_SERVICES) {
      const ecsService = run.findResource("aws:ecs/service:Service", service).inputs.name;
      for (const dimensions of dimensionValues(services, "AWS/ECS")) {
        expect(substitute(dimensions.ServiceName as string, { stack, service })).toBe(ecsService);
        expect(substitute(dimensions.ClusterName as string, { stack, service })).toBe(cluster[0]?.inputs.name);
      }
    }
    const identifier = run.findResource("aws:rds/instance:Instance", "database").inputs.identifier;
    for (const dimensions of dimensionValues(database, "AWS/RDS")) expect(substitute(dimensions.DBInstanceIdentifier as string, { stack })).toBe(identifier);
  });

  it("tags the load balancer and each service's target groups as the variables look for them", () => {
    const [provider] = run.resourcesOfType("pulumi:providers:aws");
    const defaultTags = (JSON.parse(String(provider?.inputs.defaultTags)) as { tags: Record<string, string> }).tags;
    expect(defaultTags).toMatchObject({ [RESOURCE_TAGS.project]: PROJECT_NAME, [RESOURCE_TAGS.stack]: stack });
    const variable = (name: string) => services.templating.list.find((entry) => entry.name === name)?.query as unknown as { tags: Record<string, string[]> };
    for (const service of MODEL_SERVICES) {
      const groups = run.resourcesOfType("aws:lb/targetGroup:TargetGroup").filter((group) => group.name.startsWith(`${service}-`));
      expect(groups.map((group) => group.name).sort()).toEqual(stack === "production" ? [`${service}-canary`, `${service}-primary`] : [`${service}-primary`]);
      for (const group of groups) {
        // The provider's tags and the group's own: every tag the variable filters on, with the value it asks for.
        const tags: Record<string, string> = { ...defaultTags, ...(group.inputs.tags as Record<string, string>) };
        for (const [key, [wanted]] of Object.entries(variable("targetgroup").tags)) expect({ key, value: tags[key] }).toEqual({ key, value: substitute(wanted as string, { stack, service }) });
      }
    }
    for (const [key, [wanted]] of Object.entries(variable("loadbalancer").tags)) expect({ key, value: defaultTags[key] }).toEqual({ key, value: substitute(wanted as string, { stack }) });
    // The platform's own target groups carry no service tag: they never show as a model service's.
    expect(run.findResource("aws:lb/targetGroup:TargetGroup", "platform-grafana").inputs.tags).toBeUndefined();
  });

  it("publishes links that open each dashboard on this stack", () => {
    const stackVariable = (board: Dashboard) => board.templating.list.find((entry) => entry.name === "stack") as Variable;
    const grafana = stack === "production" ? "https://grafana.example.com" : "https://grafana.staging.example.com";
    expect(run.outputs.grafanaDashboardUrls).toEqual({
      modelServices: `${grafana}/d/mlops-model-services?var-stack=${stack}`,
      database: `${grafana}/d/mlops-database?var-stack=${stack}`,
    });
    expect(stackDashboardUrl(grafana, "x", "a b&c")).toBe(`${grafana}/d/x?var-stack=a%20b%26c`);
    expect(DASHBOARDS.map((board) => board.uid)).toEqual([STACK_DASHBOARDS.modelServices, STACK_DASHBOARDS.database]);
    // The link's value is one the variable offers: the stack its own cluster and instance names carry.
    expect(applyVariableRegex(stackVariable(services).regex as string, runtimeNames(stack).cluster)).toBe(stack);
    expect(applyVariableRegex(stackVariable(database).regex as string, runtimeNames(stack).database)).toBe(stack);
  });

  it("gives Grafana its region and exactly the read permissions the dashboards use, in that region", () => {
    const region = String(run.resourcesOfType("pulumi:providers:aws")[0]?.inputs.region);
    const [container] = JSON.parse(String(run.findResource("aws:ecs/taskDefinition:TaskDefinition", "platform-grafana").inputs.containerDefinitions));
    expect(container.environment).toContainEqual({ name: REGION_VARIABLE, value: region });

    const policy = JSON.parse(String(run.findResource("aws:iam/rolePolicy:RolePolicy", "platform-grafana-task").inputs.policy));
    // Beside the S3 reads of the team's dashboards (tests/runtime.test.ts), nothing else.
    const cloudWatch = policy.Statement.filter((statement: { Action: string | string[] }) => ![statement.Action].flat().every((action) => action.startsWith("s3:")));
    expect(cloudWatch).toEqual(grafanaCloudWatchStatements(region));
    for (const statement of cloudWatch) {
      expect(statement).toMatchObject({ Effect: "Allow", Resource: "*", Condition: { StringEquals: { "aws:RequestedRegion": region } } });
    }
    // What the dashboards call: GetMetricData for each panel query, ListMetrics for dimension
    // values, the tagging API for resources by tag. Nothing more.
    const used = new Set<string>();
    for (const board of DASHBOARDS) {
      if (graphs(board).some((panel) => (panel.targets ?? []).length > 0)) used.add("cloudwatch:GetMetricData");
      for (const variable of board.templating.list) {
        if (typeof variable.query !== "object") continue;
        used.add({ dimensionValues: "cloudwatch:ListMetrics", resourceARNs: "tag:GetResources" }[variable.query.queryType] ?? `unknown ${variable.query.queryType}`);
      }
    }
    const granted = cloudWatch.flatMap((statement: { Action: string[] }) => statement.Action);
    expect([...granted].sort()).toEqual([...used].sort());
    // Grafana's other task definition (the admin reset) runs with the same role: no wider one exists.
    expect(run.resourcesOfType("aws:iam/rolePolicy:RolePolicy").filter((resource) => resource.name.startsWith("platform-grafana")).map((resource) => resource.name).sort()).toEqual([
      "platform-grafana-execution",
      "platform-grafana-task",
    ]);
  });
});
