export { ArtifactBucket } from "./artifact-bucket";
export type { ArtifactBucketArgs } from "./artifact-bucket";
