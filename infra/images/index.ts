export { ContainerImage, GHCR, contextHash } from "./container-image";
export type { ContainerImageArgs } from "./container-image";
