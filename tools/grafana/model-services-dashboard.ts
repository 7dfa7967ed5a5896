/**
 * The model services dashboard: the spec's API response time, request throughput, error rates and
 * resource utilisation of each routed model service, from CloudWatch.
 *
 * One image serves every stack, so the dashboard carries no stack's names. A `stack` variable lists
 * the stacks that have an ECS cluster in the account and region; the cluster and ECS service names
 * are pure functions of it (contracts/runtime-names.ts, which the program names them with). The load
 * balancer and target groups carry AWS-made suffixes, so variables find them by tag: `Project` and
 * `Stack` (the provider's default tags) and `Service` (infra/model-serving/model-web-service.ts).
 * A canary service has two target groups and ECS swaps which one serves after every deployment, so
 * the per-target-group row repeats for each: primary and canary side by side, whichever is which.
 */
import { GraphThresholdsStyleMode } from "@grafana/grafana-foundation-sdk/common";
import type { GraphThresholdsStyleConfig } from "@grafana/grafana-foundation-sdk/common";
import {
  CustomVariableBuilder,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableHide,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { CANARY_MAX_5XX_RATE, CANARY_MAX_P95_SECONDS } from "../../contracts/canary";
import { STACK_DASHBOARDS } from "../../contracts/grafana-dashboards";
import { PROJECT_NAME } from "../../contracts/project";
import { MODEL_SERVICES, RESOURCE_TAGS, runtimeNames } from "../../contracts/runtime-names";
import { cloudWatchDashboard, cloudWatchSeries, dimensionValuesVariable, expressionQuery, metricQuery, ref, resourceArnsVariable, stackCapture } from "./cloudwatch-query";

const names = runtimeNames(ref("stack"));
const ecs = { ClusterName: names.cluster, ServiceName: names.service(ref("service")) };
const targetGroup = { LoadBalancer: ref("loadbalancer"), TargetGroup: ref("targetgroup") };
const alb = (metricName: string, statistic: string, label: string) => ({ namespace: "AWS/ApplicationELB", metricName, dimensions: targetGroup, statistic, label });

const thresholdLine: { build: () => GraphThresholdsStyleConfig } = { build: () => ({ mode: GraphThresholdsStyleMode.Dashed }) };
const redAbove = (value: number) =>
  new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
    { value: null, color: "green" },
    { value, color: "red" },
  ]);

/** A share of the requests, in percent; no error metric in a period means none failed. */
const errorRate = (title: string, metricName: string, limit?: number) => {
  const panel = cloudWatchSeries(title, `${metricName} as a share of RequestCount.${limit === undefined ? "" : " The canary rolls back above the dashed line."}`)
    .unit("percent")
    .withTarget(metricQuery("A", alb("RequestCount", "Sum", "requests"), { id: "requests", hide: true }))
    .withTarget(metricQuery("B", alb(metricName, "Sum", "errors"), { id: "errors", hide: true }))
    .withTarget(expressionQuery("C", "100 * FILL(errors, 0) / requests", "error rate"));
  return limit === undefined ? panel : panel.thresholds(redAbove(limit)).thresholdsStyle(thresholdLine);
};

export function modelServicesDashboard() {
  return cloudWatchDashboard("Model services", STACK_DASHBOARDS.modelServices)
    .withVariable(
      dimensionValuesVariable("stack", "Stack", { namespace: "AWS/ECS", metricName: "CPUUtilization", dimensionKey: "ClusterName" }, stackCapture((stack) => runtimeNames(stack).cluster)),
    )
    .withVariable(
      new CustomVariableBuilder("service")
        .label("Service")
        .values(MODEL_SERVICES.join(","))
        .current({ text: MODEL_SERVICES[0], value: MODEL_SERVICES[0] }),
    )
    .withVariable(
      resourceArnsVariable(
        "loadbalancer",
        "Load balancer",
        { resourceType: "elasticloadbalancing:loadbalancer", tags: { [RESOURCE_TAGS.project]: [PROJECT_NAME], [RESOURCE_TAGS.stack]: [ref("stack")] } },
        // arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id> → app/<name>/<id>
        "/:loadbalancer\\/(app\\/[^/]+\\/[^/]+)$/",
      ).hide(VariableHide.HideVariable),
    )
    .withVariable(
      resourceArnsVariable(
        "targetgroup",
        "Target group",
        {
          resourceType: "elasticloadbalancing:targetgroup",
          tags: { [RESOURCE_TAGS.project]: [PROJECT_NAME], [RESOURCE_TAGS.stack]: [ref("stack")], [RESOURCE_TAGS.service]: [ref("service")] },
        },
        // arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id> → targetgroup/<name>/<id>
        "/:(targetgroup\\/[^/]+\\/[^/]+)$/",
      )
        .multi(true)
        .includeAll(true)
        .current({ text: "All", value: "$__all" }),
    )
    .withPanel(
      cloudWatchSeries("CPU utilisation", "Of the service's tasks' reserved CPU.")
        .gridPos({ x: 0, y: 0, w: 12, h: 8 })
        .unit("percent")
        .withTarget(metricQuery("A", { namespace: "AWS/ECS", metricName: "CPUUtilization", dimensions: ecs, statistic: "Average", label: "average" }))
        .withTarget(metricQuery("B", { namespace: "AWS/ECS", metricName: "CPUUtilization", dimensions: ecs, statistic: "Maximum", label: "maximum" })),
    )
    .withPanel(
      cloudWatchSeries("Memory utilisation", "Of the service's tasks' reserved memory.")
        .gridPos({ x: 12, y: 0, w: 12, h: 8 })
        .unit("percent")
        .withTarget(metricQuery("A", { namespace: "AWS/ECS", metricName: "MemoryUtilization", dimensions: ecs, statistic: "Average", label: "average" }))
        .withTarget(metricQuery("B", { namespace: "AWS/ECS", metricName: "MemoryUtilization", dimensions: ecs, statistic: "Maximum", label: "maximum" })),
    )
    .withRow(new RowBuilder(`Target group ${ref("targetgroup")}`).repeat("targetgroup"))
    .withPanel(
      cloudWatchSeries("Requests", "Requests the load balancer sent to the target group, per interval.")
        .gridPos({ x: 0, y: 9, w: 8, h: 8 })
        .unit("short")
        .decimals(0)
        .withTarget(metricQuery("A", alb("RequestCount", "Sum", "requests"))),
    )
    .withPanel(
      cloudWatchSeries("Response time", "From the request leaving the load balancer to the target's answer. The canary rolls back when p95 passes the dashed line.")
        .gridPos({ x: 8, y: 9, w: 8, h: 8 })
        .unit("s")
        .thresholds(redAbove(CANARY_MAX_P95_SECONDS))
        .thresholdsStyle(thresholdLine)
        .withTarget(metricQuery("A", alb("TargetResponseTime", "p50", "p50")))
        .withTarget(metricQuery("B", alb("TargetResponseTime", "p95", "p95")))
        .withTarget(metricQuery("C", alb("TargetResponseTime", "p99", "p99"))),
    )
    .withPanel(
      cloudWatchSeries("Healthy targets", "Tasks passing and failing the target group's health check.")
        .gridPos({ x: 16, y: 9, w: 8, h: 8 })
        .unit("short")
        .decimals(0)
        .withTarget(metricQuery("A", alb("HealthyHostCount", "Minimum", "healthy")))
        .withTarget(metricQuery("B", alb("UnHealthyHostCount", "Maximum", "unhealthy"))),
    )
    .withPanel(errorRate("5xx error rate", "HTTPCode_Target_5XX_Count", CANARY_MAX_5XX_RATE * 100).gridPos({ x: 0, y: 17, w: 12, h: 8 }))
    .withPanel(errorRate("4xx error rate", "HTTPCode_Target_4XX_Count").gridPos({ x: 12, y: 17, w: 12, h: 8 }))
    .build();
}
