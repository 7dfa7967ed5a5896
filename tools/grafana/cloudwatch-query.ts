/**
 * Grafana's CloudWatch data source, and typed queries and variables for it: the foundation SDK
 * builds a query's fields; these helpers fix the ones every dashboard here shares (the data
 * source, the default region, exact dimension matching) so a panel states only its metric.
 *
 * The data source signs its requests with the ECS task role's credentials (`authType: default`,
 * the AWS SDK's chain, which reads the container credentials endpoint): no key in a file or in
 * Grafana's database. Its default region is the task's `AWS_REGION`, which Grafana expands when
 * it reads the provisioning, as it does the metrics database's host: one image serves every stack.
 * @see https://grafana.com/docs/grafana/v11.3/datasources/aws-cloudwatch/configure/
 * @see https://grafana.com/docs/grafana/v11.3/datasources/aws-cloudwatch/template-variables/
 */
import { CloudWatchMetricsQueryBuilder, CloudWatchQueryMode, MetricEditorMode, MetricQueryType } from "@grafana/grafana-foundation-sdk/cloudwatch";
import { DashboardBuilder, QueryVariableBuilder, VariableRefresh, VariableSort } from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as TimeSeriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";

/** The data source every CloudWatch panel and variable names; fixed in the provisioning file. */
export const CLOUDWATCH_DATASOURCE = Object.freeze({ type: "cloudwatch", uid: "mlops-cloudwatch" });

/** The task's environment variable that holds the region (infra/platform/platform-services.ts). */
export const REGION_VARIABLE = "AWS_REGION";

/** What queries name as their region: the data source's default, the stack's own. */
export const DEFAULT_REGION = "default";

/** `provisioning/datasources/cloudwatch.yaml`. */
export function cloudWatchDataSources(): unknown {
  return {
    apiVersion: 1,
    datasources: [
      {
        name: "CloudWatch",
        type: CLOUDWATCH_DATASOURCE.type,
        uid: CLOUDWATCH_DATASOURCE.uid,
        access: "proxy",
        isDefault: false,
        editable: false,
        jsonData: { authType: "default", defaultRegion: `$${REGION_VARIABLE}` },
      },
    ],
  };
}

/** One metric of one resource, as CloudWatch names it. */
export interface MetricSpec {
  readonly namespace: string;
  readonly metricName: string;
  /** Every dimension of the metric's schema: the query matches exactly these. */
  readonly dimensions: Readonly<Record<string, string>>;
  readonly statistic: string;
  /** The series' name in the legend. */
  readonly label: string;
}

/**
 * A metric query in the editor's builder mode. `id` names it for a math expression of the same
 * panel; `hide` keeps it out of the graph while the expression still reads it (Grafana's CloudWatch
 * data source still sends a hidden metric query that has an id, and only its result is dropped).
 */
export function metricQuery(refId: string, metric: MetricSpec, reference?: { readonly id: string; readonly hide: boolean }): CloudWatchMetricsQueryBuilder {
  const query = new CloudWatchMetricsQueryBuilder()
    .refId(refId)
    .datasource({ ...CLOUDWATCH_DATASOURCE })
    .queryMode(CloudWatchQueryMode.Metrics)
    .metricQueryType(MetricQueryType.Search)
    .metricEditorMode(MetricEditorMode.Builder)
    .region(DEFAULT_REGION)
    .namespace(metric.namespace)
    .metricName(metric.metricName)
    .dimensions({ ...metric.dimensions })
    // A partial match would add the per-zone series of the same metric to every panel.
    .matchExact(true)
    .statistic(metric.statistic)
    .label(metric.label)
    .id(reference?.id ?? "");
  return reference?.hide ? query.hide(true) : query;
}

/** A CloudWatch metric math expression over the panel's queries named by `id`. */
export function expressionQuery(refId: string, expression: string, label: string): CloudWatchMetricsQueryBuilder {
  return new CloudWatchMetricsQueryBuilder()
    .refId(refId)
    .datasource({ ...CLOUDWATCH_DATASOURCE })
    .queryMode(CloudWatchQueryMode.Metrics)
    .metricQueryType(MetricQueryType.Search)
    .metricEditorMode(MetricEditorMode.Code)
    .region(DEFAULT_REGION)
    .namespace("")
    .expression(expression)
    .label(label)
    .id("");
}

/** The variable query of Grafana's CloudWatch data source (its `VariableQuery`), with every field the editor saves. */
function variableQuery(fields: { readonly queryType: "dimensionValues" | "resourceARNs" } & Partial<Record<string, unknown>>): Record<string, unknown> {
  return {
    refId: "CloudWatchVariableQueryEditor-VariableQuery",
    region: DEFAULT_REGION,
    namespace: "",
    metricName: "",
    dimensionKey: "",
    dimensionFilters: {},
    ec2Filters: {},
    instanceID: "",
    attributeName: "",
    resourceType: "",
    tags: {},
    ...fields,
  };
}

const variable = (name: string, label: string, query: Record<string, unknown>, regex: string) =>
  new QueryVariableBuilder(name)
    .label(label)
    .datasource({ ...CLOUDWATCH_DATASOURCE })
    .query(query)
    .regex(regex)
    .refresh(VariableRefresh.OnDashboardLoad)
    .sort(VariableSort.AlphabeticalAsc);

/**
 * The values of one dimension of a metric (CloudWatch's ListMetrics), kept and cut by `regex`: a
 * capture group makes the group the value.
 */
export function dimensionValuesVariable(
  name: string,
  label: string,
  source: { readonly namespace: string; readonly metricName: string; readonly dimensionKey: string },
  regex: string,
): QueryVariableBuilder {
  return variable(name, label, variableQuery({ queryType: "dimensionValues", ...source }), regex);
}

/**
 * The ARNs of the resources of one type carrying every tag given (the Resource Groups Tagging
 * API), cut by `regex` to the part a metric dimension names.
 */
export function resourceArnsVariable(
  name: string,
  label: string,
  source: { readonly resourceType: string; readonly tags: Readonly<Record<string, readonly string[]>> },
  regex: string,
): QueryVariableBuilder {
  const tags = Object.fromEntries(Object.entries(source.tags).map(([key, values]) => [key, [...values]]));
  return variable(name, label, variableQuery({ queryType: "resourceARNs", resourceType: source.resourceType, tags }), regex);
}

/** Grafana's variable reference, as dimension values and tags take it. */
export const ref = (name: string): string => `\${${name}}`;

/**
 * A regex, as a variable's `regex` field takes it, that keeps the names `name(stack)` gives for any
 * stack and captures the stack: the inverse of a pure naming function.
 */
export function stackCapture(name: (stack: string) => string): string {
  const marker = "\u0000";
  const [before = "", after = ""] = name(marker).split(marker);
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return `/^${escape(before)}(.+)${escape(after)}$/`;
}

/** A CloudWatch dashboard's frame, the same for each: read-only, refreshed every minute, UTC, the last six hours. */
export function cloudWatchDashboard(title: string, uid: string): DashboardBuilder {
  return new DashboardBuilder(title)
    .uid(uid)
    .tags(["mlops", "cloudwatch"])
    .editable()
    .readonly()
    .refresh("1m")
    .time({ from: "now-6h", to: "now" })
    .timezone("utc");
}

/** A time series of CloudWatch queries, drawn alike on every CloudWatch dashboard. */
export function cloudWatchSeries(title: string, description: string): TimeSeriesPanel {
  return new TimeSeriesPanel().title(title).description(description).datasource({ ...CLOUDWATCH_DATASOURCE }).lineWidth(2).fillOpacity(10).min(0);
}
