/**
 * A typed raw-SQL query for Grafana's PostgreSQL data source: the foundation SDK has builders for
 * panels and dashboards, not for this data source's queries.
 *
 * Queries use Grafana's SQL macros (`$__time`, `$__timeFilter`) and the dashboard's `model`
 * variable through `${model:sqlstring}`, which Grafana quotes as an SQL string literal.
 * @see https://grafana.com/docs/grafana/latest/datasources/postgres/query-editor/#macros
 */
import type * as cog from "@grafana/grafana-foundation-sdk/cog";

/** The data source every dashboard query names; fixed in the provisioning file. */
export const METRICS_DATASOURCE = Object.freeze({ type: "grafana-postgresql-datasource", uid: "mlops-metrics" });

export type QueryFormat = "time_series" | "table";

export interface PostgresQuery extends cog.Dataquery {
  readonly refId: string;
  readonly datasource: { readonly type: string; readonly uid: string };
  readonly rawSql: string;
  readonly format: QueryFormat;
  readonly rawQuery: true;
  readonly editorMode: "code";
}

export class PostgresQueryBuilder implements cog.Builder<cog.Dataquery> {
  constructor(
    private readonly refId: string,
    private readonly rawSql: string,
    private readonly format: QueryFormat,
  ) {}

  build(): PostgresQuery {
    return {
      refId: this.refId,
      datasource: { ...METRICS_DATASOURCE },
      rawSql: this.rawSql,
      format: this.format,
      rawQuery: true,
      editorMode: "code",
      // The SDK's marker for a query variant; not serialized.
      _implementsDataqueryVariant() {},
    };
  }
}

/** The dashboard's model filter, quoted by Grafana. */
export const MODEL_FILTER = "model_name = ${model:sqlstring}";

/** One or more columns of `ml_metrics` as time series over the dashboard's time range. */
export function seriesQuery(refId: string, columns: readonly { readonly expression: string; readonly alias: string }[]): PostgresQueryBuilder {
  const selected = columns.map((column) => `${column.expression} AS "${column.alias}"`).join(", ");
  return new PostgresQueryBuilder(
    refId,
    `SELECT $__time(timestamp), ${selected}\nFROM ml_metrics\nWHERE $__timeFilter(timestamp) AND ${MODEL_FILTER}\nORDER BY 1`,
    "time_series",
  );
}

/** A single value from the newest window (or about it), whatever the time range. */
export function latestQuery(refId: string, expression: string, alias: string): PostgresQueryBuilder {
  return new PostgresQueryBuilder(refId, `SELECT ${expression} AS "${alias}"\nFROM ml_metrics\nWHERE ${MODEL_FILTER}`, "table");
}
