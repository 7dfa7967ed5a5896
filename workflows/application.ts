import { PYTHON_VERSION } from "./steps";

/** The global env of the spec's ci-cd pipeline, shared by the workflows that build or deploy images. */
export const IMAGE_ENV = Object.freeze({
  PYTHON_VERSION,
  DOCKER_REGISTRY: "ghcr.io",
  IMAGE_NAME: "${{ github.repository }}",
});

/** The service types deploy-service knows; `<ECS_SERVICE_PREFIX>-<type>` names each service. */
export const SERVICE_TYPES = ["web-service", "batch", "mlflow-service"] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

/** Lines of a list for an environment variable read with `mapfile -t`. */
export function lines(values: readonly string[]): string {
  return values.join("\n");
}

export const RUNNER = "ubuntu-24.04";
