/**
 * What Grafana's CloudWatch data source may do as its ECS task role: read metrics and find resources
 * by tag, in the stack's own region, nothing else. Grafana takes the role's credentials from the
 * container's credentials endpoint (`authType: default`), so no key exists.
 *
 * The reach is the account's, not the stack's: neither action can be narrowed to the stack's
 * resources, so anyone who may query the data source in Grafana sees every CloudWatch metric and
 * every tagged resource ARN (and its tags) of the account in that region, another stack's included.
 * One account per environment keeps production's numbers out of staging's Grafana
 * (docs/monitoring.md).
 *
 * Each action has a user in the baked-in dashboards (tools/grafana), which a test checks both ways:
 * - `cloudwatch:GetMetricData`: every panel's query;
 * - `cloudwatch:ListMetrics`: the `stack` variables (dimension values of a metric);
 * - `tag:GetResources`: the load balancer and target group variables (resources by tag).
 * None of these actions takes a resource ARN, so `Resource` is `*`; the region condition is the
 * narrowing IAM offers. No Logs, alarm or EC2 action: no panel reads logs or alarms, and every
 * query names the data source's default region.
 */
export function grafanaCloudWatchStatements(region: string): Record<string, unknown>[] {
  const inRegion = { StringEquals: { "aws:RequestedRegion": region } };
  return [
    { Sid: "ReadMetrics", Effect: "Allow", Action: ["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"], Resource: "*", Condition: inRegion },
    { Sid: "FindResourcesByTag", Effect: "Allow", Action: ["tag:GetResources"], Resource: "*", Condition: inRegion },
  ];
}
