/**
 * Stands in for the Lambda runtime's Secrets Manager client when a test runs a function's committed
 * bundle under plain node: a secret's AWSCURRENT version holds FAKE_SECRET_JSON; a call naming a
 * VersionId gets that version from FAKE_SECRET_VERSIONS (`{"<id>": "<json>"}`), or AWS's error.
 */
"use strict";
class GetSecretValueCommand {
  constructor(input) {
    this.input = input;
  }
}
class SecretsManagerClient {
  async send(command) {
    if (!(command instanceof GetSecretValueCommand)) throw new Error("fake Secrets Manager: unsupported command");
    const { SecretId, VersionId } = command.input;
    if (VersionId === undefined) return { ARN: SecretId, SecretString: process.env.FAKE_SECRET_JSON };
    const versions = JSON.parse(process.env.FAKE_SECRET_VERSIONS ?? "{}");
    if (!Object.prototype.hasOwnProperty.call(versions, VersionId)) {
      throw Object.assign(new Error(`Secrets Manager can't find the specified secret value for VersionId: ${VersionId}`), { name: "ResourceNotFoundException" });
    }
    return { ARN: SecretId, VersionId, SecretString: versions[VersionId] };
  }
}
module.exports = { GetSecretValueCommand, SecretsManagerClient };
