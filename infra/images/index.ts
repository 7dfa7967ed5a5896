export { ContainerImage, GHCR, contextHash } from "./container-image";
export type { ContainerImageArgs } from "./container-image";
export { lintDockerfile } from "./dockerfile-lint";
export type { DockerfileFinding } from "./dockerfile-lint";
