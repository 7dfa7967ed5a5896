/**
 * The application team's own Grafana dashboards (docs/monitoring.md): ci-cd's deploy jobs check the
 * JSON files of the team's dashboards directory and sync them under this prefix of the
 * environment's artifact bucket; a container beside Grafana copies the prefix into a folder a
 * second file provider reads.
 */
export const APPLICATION_DASHBOARDS = Object.freeze({
  /** Key prefix in the artifact bucket, with its trailing slash. */
  bucketPrefix: "grafana-dashboards/",
  /**
   * Every uid of the platform's own dashboards starts with this (tests/grafana.test.ts holds it),
   * and no team dashboard's may: Grafana keeps one dashboard per uid, so a shared uid would let
   * one provider overwrite the other's dashboard.
   */
  reservedUidPrefix: "mlops-",
  /**
   * The data source uids Grafana is provisioned with (tools/grafana: PostgreSQL, CloudWatch); a
   * team dashboard naming another gets a warning. tests/onboarding.test.ts holds them to the
   * rendered provisioning.
   */
  platformDataSourceUids: Object.freeze(["mlops-metrics", "mlops-cloudwatch"]),
  /** A dashboard larger than this is refused: a few hundred panels fit in far less. */
  maxFileBytes: 1024 * 1024,
  /** The folder Grafana's "Application" provider reads, inside Grafana's container. */
  grafanaPath: "/var/lib/grafana/dashboards/application",
  /** Seconds between two copies of the prefix into Grafana's folder. */
  syncIntervalSeconds: 60,
});
