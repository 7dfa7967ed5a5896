/**
 * Names of the runtime's AWS resources that are pure functions of the stack, and the tags that find
 * the rest. The program names its resources with these; Grafana's CloudWatch dashboards find the
 * same resources with the same functions, applied to their `stack` variable: one Grafana image
 * serves every stack, so a dashboard cannot carry a stack's names itself (docs/monitoring.md).
 */
import { PROJECT_NAME } from "./project";

/** The routed model services (infra/model-serving): the ECS service of each is `<cluster>-<name>`. */
export const MODEL_SERVICES = ["web-service", "mlflow-service"] as const;
export type ModelServiceName = (typeof MODEL_SERVICES)[number];

/**
 * Tag keys on the runtime's resources: `Project` and `Stack` on every one (the AWS provider's
 * default tags), `Service` on each model service's target groups, whose names AWS and Pulumi suffix.
 */
export const RESOURCE_TAGS = Object.freeze({ project: "Project", stack: "Stack", service: "Service" });

export interface RuntimeNames {
  /** The ECS cluster; services, task roles and alarms are named `<cluster>-…`. */
  readonly cluster: string;
  /** The RDS instance's identifier. */
  readonly database: string;
  /** The ECS service of one of the cluster's services. */
  service(name: string): string;
}

/** The names of `stack`'s resources; with `${stack}` for the stack, a dashboard's template. */
export function runtimeNames(stack: string): RuntimeNames {
  const cluster = `${PROJECT_NAME}-${stack}`;
  return { cluster, database: `${PROJECT_NAME}-${stack}`, service: (name) => `${cluster}-${name}` };
}
