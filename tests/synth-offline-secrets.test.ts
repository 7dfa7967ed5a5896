/**
 * Offline synth's stand-ins for operator secrets it does not have: placed in the config the program
 * reads, marked secret, and only where the program would refuse to run without them.
 */
import { withSecretPlaceholders } from "../tools/synth/offline-secrets";

const base = { project: "mlops-cicd", values: { "mlops-cicd:repository": "trip-duration" }, secretKeys: [], encryptedKeys: [] };

it("puts a placeholder, marked secret, for each required secret that is not set, and names them", () => {
  const { config, missing } = withSecretPlaceholders(base);
  expect(missing).toEqual(["mlops-cicd:ghcrPullToken", "mlops-cicd:ghcrToken"]);
  expect(config.values["mlops-cicd:ghcrToken"]).toBe("ghp_synthPlaceholderNotARealToken000000000");
  expect(config.secretKeys).toEqual(["mlops-cicd:ghcrPullToken", "mlops-cicd:ghcrToken"]);
  expect(config.values["mlops-cicd:repository"]).toBe("trip-duration");
});

it("leaves set secrets alone, and optional ones to the program's own rules", () => {
  const set = { ...base, values: { ...base.values, "mlops-cicd:ghcrToken": "[stored]", "mlops-cicd:ghcrPullToken": "[stored]" }, secretKeys: ["mlops-cicd:ghcrPullToken", "mlops-cicd:ghcrToken"] };
  expect(withSecretPlaceholders(set)).toEqual({ config: set, missing: [] });
  // Opting in to long-lived keys without setting them is a mistake the program names (exit 2), not a gap to fill.
  const optedIn = { ...set, values: { ...set.values, "mlops-cicd:allowLongLivedAwsKeys": "true", "mlops-cicd:awsAccessKeyId": "" } };
  expect(withSecretPlaceholders(optedIn)).toEqual({ config: optedIn, missing: [] });
});
