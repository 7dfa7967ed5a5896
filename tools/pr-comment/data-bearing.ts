/**
 * Resources whose replacement or deletion loses something a new resource does not bring back: data,
 * a credential, or the rules that protect the repository. The comment calls these out before
 * anything else.
 */
export type DataCategory = "database" | "bucket" | "secret" | "key" | "backup" | "repository protection" | "repository";

export const DATA_BEARING_TYPES: Readonly<Record<string, DataCategory>> = {
  "aws:rds/instance:Instance": "database",
  "aws:rds/cluster:Cluster": "database",
  "postgresql:index/database:Database": "database",
  "aws:s3/bucket:Bucket": "bucket",
  "aws:s3/bucketV2:BucketV2": "bucket",
  "aws:secretsmanager/secret:Secret": "secret",
  // A deleted key makes everything encrypted with it unreadable; a backup copy lost is a recovery lost.
  "aws:kms/key:Key": "key",
  "aws:kms/replicaKey:ReplicaKey": "key",
  "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": "backup",
  "aws:s3/bucketReplicationConfig:BucketReplicationConfig": "backup",
  "aws:secretsmanager/secretVersion:SecretVersion": "secret",
  "github:index/actionsSecret:ActionsSecret": "secret",
  "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret": "secret",
  "github:index/repositoryRuleset:RepositoryRuleset": "repository protection",
  "github:index/branchProtection:BranchProtection": "repository protection",
  "github:index/repositoryEnvironment:RepositoryEnvironment": "repository protection",
  "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy": "repository protection",
  "github:index/repository:Repository": "repository",
};

export function dataCategory(type: string): DataCategory | undefined {
  return Object.prototype.hasOwnProperty.call(DATA_BEARING_TYPES, type) ? DATA_BEARING_TYPES[type] : undefined;
}
