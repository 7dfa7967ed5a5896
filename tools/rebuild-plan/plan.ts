/**
 * The rebuild plan of a stack: what `pulumi up` creates from empty state, the chain of resources
 * that decides how long it takes, the operator's steps around it, and the resulting recovery time
 * against the target of docs/disaster-recovery.md.
 */
import { boundedSchedule, BoundedSchedule, criticalPath, CriticalPath, earliestFinish } from "./critical-path";
import { buildCreationGraph, GraphNode, GraphResource } from "./graph";
import { DEFAULT_PARALLELISM, durationRule, OPERATOR_STEPS, OperatorStep, RTO_TARGET_SECONDS } from "./durations";

export interface RebuildPlan {
  readonly stack: string;
  readonly resourceCount: number;
  /** Whether the stack starts its database from a snapshot or backups. */
  readonly restoresDatabase: boolean;
  readonly criticalPath: CriticalPath;
  /** When the last ECS service is healthy, with unbounded parallelism: the environment serves. */
  readonly servicesReadySeconds: number;
  readonly schedule: BoundedSchedule;
  readonly operatorSteps: readonly OperatorStep[];
  /** Operator steps plus `pulumi up` at the assumed parallelism. */
  readonly rtoSeconds: number;
  readonly rtoTargetSeconds: number;
}

export const RDS_INSTANCE = "aws:rds/instance:Instance";
const ECS_SERVICE = "aws:ecs/service:Service";

/** Whether a database instance is created from a snapshot or to a point in time. */
export function restoresFromBackup(resource: GraphResource): boolean {
  return resource.type === RDS_INSTANCE && (resource.inputs.snapshotIdentifier !== undefined || resource.inputs.restoreToPointInTime !== undefined);
}

export function planRebuild(stack: string, resources: readonly GraphResource[], parallelism = DEFAULT_PARALLELISM): RebuildPlan {
  const graph = buildCreationGraph(resources);
  const duration = (node: GraphNode) => durationRule(node.resource.type, node.resource.inputs).seconds;
  const restoresDatabase = resources.some(restoresFromBackup);
  const operatorSteps = OPERATOR_STEPS.filter((step) => restoresDatabase || !step.onlyWhenRestoring);
  const schedule = boundedSchedule(graph, duration, parallelism);
  const finish = earliestFinish(graph, duration);
  const servicesReadySeconds = Math.max(0, ...[...graph.values()].filter((node) => node.resource.type === ECS_SERVICE).map((node) => finish.get(node.resource.urn) ?? 0));
  return {
    stack,
    resourceCount: graph.size,
    restoresDatabase,
    criticalPath: criticalPath(graph, duration),
    servicesReadySeconds,
    schedule,
    operatorSteps,
    rtoSeconds: schedule.seconds + operatorSteps.reduce((sum, step) => sum + step.seconds, 0),
    rtoTargetSeconds: RTO_TARGET_SECONDS,
  };
}

/** `h:mm:ss`. */
export function formatDuration(seconds: number): string {
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  return `${h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
}

/** The plan as the CLI prints it: plain text, the same bytes for the same stack. */
export function renderPlan(plan: RebuildPlan): string {
  const lines: string[] = [];
  lines.push(`Rebuild plan of stack ${plan.stack}: ${plan.resourceCount} resources created from empty state.`);
  lines.push(
    plan.restoresDatabase
      ? "The database is restored from a snapshot or backups."
      : "The database is created empty (no dbSnapshotIdentifier or dbRestoreSource).",
  );
  lines.push("");
  lines.push("Critical path (each waits for the one before; durations from tools/rebuild-plan/durations.ts):");
  const rows = plan.criticalPath.steps.map((step, index) => [
    String(index + 1),
    formatDuration(step.start),
    formatDuration(step.seconds),
    formatDuration(step.finish),
    step.type,
    step.name,
  ]);
  lines.push(...table(["#", "start", "takes", "done", "type", "resource"], rows));
  lines.push(`Critical path: ${formatDuration(plan.criticalPath.seconds)} (no parallelism shortens it).`);
  lines.push(`The last ECS service is healthy at ${formatDuration(plan.servicesReadySeconds)}.`);
  lines.push("");
  lines.push(
    `Parallelism: Pulumi runs at most 4 × CPUs operations at once by default (pulumi/pulumi#15016); this plan assumes ${plan.schedule.parallelism} ` +
      `(a 2-CPU runner; --parallel changes it). The graph could run ${plan.schedule.peakUnbounded} at once.`,
  );
  lines.push(`pulumi up at parallelism ${plan.schedule.parallelism}: ${formatDuration(plan.schedule.seconds)}.`);
  lines.push("");
  lines.push("Operator steps outside pulumi up (docs/disaster-recovery.md, runbook):");
  lines.push(...table(["takes", "step"], plan.operatorSteps.map((step) => [formatDuration(step.seconds), step.runbookStep])));
  lines.push("");
  const margin = plan.rtoTargetSeconds - plan.rtoSeconds;
  lines.push(
    `RTO estimate: ${formatDuration(plan.rtoSeconds)} against the target of ${formatDuration(plan.rtoTargetSeconds)}: ` +
      (margin >= 0 ? `within it, ${formatDuration(margin)} to spare.` : `over it by ${formatDuration(-margin)}.`),
  );
  return lines.join("\n") + "\n";
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? "").length)));
  const format = (row: readonly string[]) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join("  ")
      .trimEnd();
  return [format(header), ...rows.map(format)].map((line) => `  ${line}`);
}
