import type { ApplicationLayout } from "../contracts/application";

/** What the application workflows need to know about the application repository. */
export type WorkflowSettings = ApplicationLayout;

/** The global env of the spec's ci-cd pipeline, shared by the workflows that build or deploy images. */
export const IMAGE_ENV = Object.freeze({
  PYTHON_VERSION: "3.11",
  DOCKER_REGISTRY: "ghcr.io",
  IMAGE_NAME: "${{ github.repository }}",
});

/** The service types deploy-service knows; `<ECS_SERVICE_PREFIX>-<type>` names each service. */
export const SERVICE_TYPES = ["web-service", "batch", "mlflow-service"] as const;

/** Lines of a list for an environment variable read with `mapfile -t`. */
export function lines(values: readonly string[]): string {
  return values.join("\n");
}

export const RUNNER = "ubuntu-24.04";
