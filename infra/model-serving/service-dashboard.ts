import * as pulumi from "@pulumi/pulumi";
import * as aws from "../aws/sdk";

/** A service behind the load balancer, as the dashboard charts it. */
export interface DashboardWebService {
  readonly title: string;
  /** The ECS service's name. */
  readonly serviceName: string;
  /** `arnSuffix` of each target group the service registers in. */
  readonly targetGroupArnSuffixes: readonly string[];
  readonly logGroupName: string;
}

/** The batch job, as the dashboard charts it. */
export interface DashboardBatchJob {
  readonly title: string;
  readonly failedRunsRuleName: string;
  readonly scheduleGroupName: string;
  readonly logGroupName: string;
}

export interface DashboardSpec {
  readonly region: string;
  readonly clusterName: string;
  readonly loadBalancerArnSuffix: string;
  readonly webServices: readonly DashboardWebService[];
  readonly batchJobs: readonly DashboardBatchJob[];
  readonly alarmArns: readonly string[];
}

type Widget = Record<string, unknown>;

const WIDTH = 24;
const PERIOD = 60;

/**
 * The CloudWatch dashboard's body: the alarms first (what an on-call engineer needs), then per web
 * service its traffic, errors, latency and capacity, then the batch job's runs, then recent logs.
 * A pure function of its input, so the body is stable between runs.
 */
export function dashboardBody(spec: DashboardSpec): string {
  const rows: Widget[][] = [];
  rows.push([{ type: "alarm", width: WIDTH, height: 4, properties: { title: "Alarms", alarms: [...spec.alarmArns].sort() } }]);

  for (const service of spec.webServices) {
    const perTargetGroup = (metricName: string, stat: string) =>
      service.targetGroupArnSuffixes.map((group, index) => [
        "AWS/ApplicationELB",
        metricName,
        "LoadBalancer",
        spec.loadBalancerArnSuffix,
        "TargetGroup",
        group,
        { stat, label: index === 0 ? "primary" : "canary" },
      ]);
    const chart = (title: string, metrics: unknown[]) => ({
      type: "metric",
      width: 6,
      height: 6,
      properties: { title: `${service.title}: ${title}`, region: spec.region, view: "timeSeries", period: PERIOD, metrics },
    });
    const ecs = (metricName: string) => ["AWS/ECS", metricName, "ClusterName", spec.clusterName, "ServiceName", service.serviceName, { stat: "Average" }];
    rows.push([
      chart("requests", perTargetGroup("RequestCount", "Sum")),
      chart("5xx responses", perTargetGroup("HTTPCode_Target_5XX_Count", "Sum")),
      chart("p95 response time (s)", perTargetGroup("TargetResponseTime", "p95")),
      chart("CPU and memory (%)", [ecs("CPUUtilization"), ecs("MemoryUtilization")]),
    ]);
  }

  for (const job of spec.batchJobs) {
    rows.push([
      {
        type: "metric",
        width: WIDTH / 2,
        height: 6,
        properties: {
          title: `${job.title}: failed runs`,
          region: spec.region,
          view: "timeSeries",
          period: 300,
          metrics: [["AWS/Events", "MatchedEvents", "RuleName", job.failedRunsRuleName, { stat: "Sum" }]],
        },
      },
      {
        type: "metric",
        width: WIDTH / 2,
        height: 6,
        properties: {
          title: `${job.title}: runs the scheduler could not start`,
          region: spec.region,
          view: "timeSeries",
          period: 300,
          metrics: [
            ["AWS/Scheduler", "TargetErrorCount", "ScheduleGroup", job.scheduleGroupName, { stat: "Sum", label: "failed attempts" }],
            ["AWS/Scheduler", "InvocationDroppedCount", "ScheduleGroup", job.scheduleGroupName, { stat: "Sum", label: "dropped after retries" }],
          ],
        },
      },
    ]);
  }

  const logGroups = [...spec.webServices.map((service) => service.logGroupName), ...spec.batchJobs.map((job) => job.logGroupName)];
  rows.push([
    {
      type: "log",
      width: WIDTH,
      height: 8,
      properties: {
        title: "Recent errors",
        region: spec.region,
        view: "table",
        query: `${logGroups.map((group) => `SOURCE '${group}'`).join(" | ")} | fields @timestamp, @log, @message | filter @message like /(?i)(error|exception|traceback)/ | sort @timestamp desc | limit 50`,
      },
    },
  ]);

  // Rows stack top to bottom; widgets of a row sit side by side.
  const widgets: Widget[] = [];
  let y = 0;
  for (const row of rows) {
    let x = 0;
    for (const widget of row) {
      widgets.push({ ...widget, x, y });
      x += widget.width as number;
    }
    y += Math.max(...row.map((widget) => widget.height as number));
  }
  return JSON.stringify({ widgets });
}

export interface ServiceDashboardArgs {
  readonly clusterName: string;
  readonly region: pulumi.Input<string>;
  readonly loadBalancerArnSuffix: pulumi.Input<string>;
  readonly webServices: readonly {
    readonly title: string;
    readonly serviceName: pulumi.Input<string>;
    readonly targetGroups: readonly aws.TargetGroup[];
    readonly logGroup: aws.LogGroup;
  }[];
  readonly batchJobs: readonly { readonly title: string; readonly failedRuns: aws.EventRule; readonly scheduleGroupName: string; readonly logGroup: aws.LogGroup }[];
  readonly alarms: readonly aws.MetricAlarm[];
}

/** One CloudWatch dashboard per environment for the model's services, named after the cluster. */
export class ServiceDashboard extends pulumi.ComponentResource {
  readonly dashboard: aws.Dashboard;
  /** The dashboard in the AWS console. */
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: ServiceDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    // The token keeps the folder's first name (infra/serving): a new one would change every URN.
    super("mlops-cicd:serving:ServiceDashboard", name, {}, opts);

    const webServices = pulumi.all(
      args.webServices.map((service) =>
        pulumi.all([service.serviceName, pulumi.all(service.targetGroups.map((group) => group.arnSuffix)), service.logGroup.name]).apply(
          ([serviceName, targetGroupArnSuffixes, logGroupName]): DashboardWebService => ({ title: service.title, serviceName, targetGroupArnSuffixes, logGroupName }),
        ),
      ),
    );
    const batchJobs = pulumi.all(
      args.batchJobs.map((job) =>
        pulumi.all([job.failedRuns.name, job.logGroup.name]).apply(
          ([failedRunsRuleName, logGroupName]): DashboardBatchJob => ({ title: job.title, failedRunsRuleName, scheduleGroupName: job.scheduleGroupName, logGroupName }),
        ),
      ),
    );
    const body = pulumi
      .all([args.region, args.loadBalancerArnSuffix, webServices, batchJobs, pulumi.all(args.alarms.map((alarm) => alarm.arn))])
      .apply(([region, loadBalancerArnSuffix, services, jobs, alarmArns]) =>
        dashboardBody({ region, clusterName: args.clusterName, loadBalancerArnSuffix, webServices: services, batchJobs: jobs, alarmArns }),
      );

    this.dashboard = new aws.Dashboard(name, { dashboardName: args.clusterName, dashboardBody: body }, { parent: this });
    this.url = pulumi.interpolate`https://console.aws.amazon.com/cloudwatch/home?region=${args.region}#dashboards/dashboard/${this.dashboard.dashboardName}`;
    this.registerOutputs({ url: this.url });
  }
}
