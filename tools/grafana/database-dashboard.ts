/**
 * The database dashboard: the RDS instance's load, memory, storage and I/O from CloudWatch. The
 * instance's identifier is a pure function of the stack (contracts/runtime-names.ts), and the
 * `stack` variable lists the stacks that have an instance in the account and region.
 */
import { STACK_DASHBOARDS } from "../../contracts/grafana-dashboards";
import { runtimeNames } from "../../contracts/runtime-names";
import { cloudWatchDashboard, cloudWatchSeries, dimensionValuesVariable, metricQuery, ref, stackCapture } from "./cloudwatch-query";

const instance = { DBInstanceIdentifier: runtimeNames(ref("stack")).database };
const rds = (metricName: string, statistic: string, label: string) => ({ namespace: "AWS/RDS", metricName, dimensions: instance, statistic, label });

export function databaseDashboard() {
  return cloudWatchDashboard("Database", STACK_DASHBOARDS.database)
    .withVariable(
      dimensionValuesVariable(
        "stack",
        "Stack",
        { namespace: "AWS/RDS", metricName: "CPUUtilization", dimensionKey: "DBInstanceIdentifier" },
        stackCapture((stack) => runtimeNames(stack).database),
      ),
    )
    .withPanel(
      cloudWatchSeries("CPU utilisation", "Of the instance's vCPUs.")
        .gridPos({ x: 0, y: 0, w: 8, h: 8 })
        .unit("percent")
        .withTarget(metricQuery("A", rds("CPUUtilization", "Average", "average")))
        .withTarget(metricQuery("B", rds("CPUUtilization", "Maximum", "maximum"))),
    )
    .withPanel(
      cloudWatchSeries("Connections", "Open client connections: MLflow, Grafana, the metrics function and the provisioner.")
        .gridPos({ x: 8, y: 0, w: 8, h: 8 })
        .unit("short")
        .decimals(0)
        .withTarget(metricQuery("A", rds("DatabaseConnections", "Average", "average")))
        .withTarget(metricQuery("B", rds("DatabaseConnections", "Maximum", "maximum"))),
    )
    .withPanel(
      cloudWatchSeries("Freeable memory", "Memory the instance could give to new work; low values mean swapping and evicted caches.")
        .gridPos({ x: 16, y: 0, w: 8, h: 8 })
        .unit("bytes")
        .withTarget(metricQuery("A", rds("FreeableMemory", "Minimum", "minimum"))),
    )
    .withPanel(
      cloudWatchSeries("Free storage", "Storage left before RDS grows the volume (up to five times its first size).")
        .gridPos({ x: 0, y: 8, w: 8, h: 8 })
        .unit("bytes")
        .withTarget(metricQuery("A", rds("FreeStorageSpace", "Minimum", "minimum"))),
    )
    .withPanel(
      cloudWatchSeries("Read and write latency", "Average time of one disk I/O operation.")
        .gridPos({ x: 8, y: 8, w: 8, h: 8 })
        .unit("s")
        .withTarget(metricQuery("A", rds("ReadLatency", "Average", "read")))
        .withTarget(metricQuery("B", rds("WriteLatency", "Average", "write"))),
    )
    .withPanel(
      cloudWatchSeries("Read and write IOPS", "Disk I/O operations per second.")
        .gridPos({ x: 16, y: 8, w: 8, h: 8 })
        .unit("iops")
        .withTarget(metricQuery("A", rds("ReadIOPS", "Average", "read")))
        .withTarget(metricQuery("B", rds("WriteIOPS", "Average", "write"))),
    )
    .withPanel(
      cloudWatchSeries("Disk queue depth", "I/O requests waiting for the disk; a lasting queue means the storage is the bottleneck.")
        .gridPos({ x: 0, y: 16, w: 8, h: 8 })
        .unit("short")
        .withTarget(metricQuery("A", rds("DiskQueueDepth", "Average", "average"))),
    )
    .build();
}
