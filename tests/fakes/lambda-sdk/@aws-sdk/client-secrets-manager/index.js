/**
 * Stands in for the Lambda runtime's Secrets Manager client when a test runs a function's committed
 * bundle under plain node: every secret holds FAKE_SECRET_JSON.
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
    return { ARN: command.input.SecretId, SecretString: process.env.FAKE_SECRET_JSON };
  }
}
module.exports = { GetSecretValueCommand, SecretsManagerClient };
