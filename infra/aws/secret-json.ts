/**
 * Reading a Secrets Manager secret's JSON from inside a Lambda function. The SDK is the Lambda
 * runtime's own: the committed bundles leave it out.
 */
/**
 * The secret's JSON: its `AWSCURRENT` version, or the version `versionId` names (a version `pulumi
 * up` wrote once the login it holds worked, rather than whatever was put last).
 */
export async function secretJson(arn: string, versionId?: string): Promise<Record<string, unknown>> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SecretsManagerClient, GetSecretValueCommand } = require("@aws-sdk/client-secrets-manager") as typeof import("@aws-sdk/client-secrets-manager");
  const client = new SecretsManagerClient({});
  const answer = await client.send(new GetSecretValueCommand({ SecretId: arn, ...(versionId ? { VersionId: versionId } : {}) }));
  try {
    return JSON.parse(answer.SecretString ?? "") as Record<string, unknown>;
  } catch {
    throw new Error(`Secret ${arn} does not hold JSON.`);
  }
}

/** One field of a secret's JSON, as a string; a clear error naming the secret when it is absent. */
export function secretField(secret: Record<string, unknown>, key: string, arn: string): string {
  const value = secret[key];
  if (typeof value !== "string" && typeof value !== "number") throw new Error(`Secret ${arn} has no "${key}".`);
  return String(value);
}
