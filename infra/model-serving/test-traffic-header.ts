import * as pulumi from "@pulumi/pulumi";
import { RandomPassword } from "@pulumi/random/randomPassword";
import { TEST_TRAFFIC_HEADER } from "../../contracts/canary";

/**
 * The stack's value of the test-traffic header (contracts/canary.ts), as a Pulumi secret: the
 * canary services' test routes match it and production's GitHub environment hands it to the load
 * test. Generated once and kept in state; a `pulumi up` changes the rules and the secret together.
 */
export function testTrafficHeaderValue(name: string, opts?: pulumi.CustomResourceOptions): pulumi.Output<string> {
  // No special characters and no capitals: the load balancer reads `*` and `?` as wildcards and
  // compares case-insensitively.
  const value = new RandomPassword(name, { length: TEST_TRAFFIC_HEADER.valueLength, special: false, upper: false }, opts);
  return pulumi.secret(value.result);
}

/** What the load balancer accepts as an http-header condition value that matches only itself. */
export function testTrafficHeaderValueProblems(value: string): string[] {
  const { minValueLength: min, maxValueLength: max } = TEST_TRAFFIC_HEADER;
  if (value.length < min || value.length > max) {
    return [`the test-traffic header value must be ${min} to ${max} characters (a guessable value lets anyone load a deploying revision alone; the load balancer takes at most ${max}), got ${value.length}.`];
  }
  if (!/^[a-z0-9]+$/.test(value)) return ["the test-traffic header value must be lowercase letters and digits only (the load balancer reads * and ? as wildcards and ignores case)."];
  return [];
}
