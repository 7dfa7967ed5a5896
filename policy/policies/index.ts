/**
 * Every policy of the pack, by domain. Importing this module constructs nothing: policy/index.ts
 * builds the `PolicyPack`, offline synth and the tests call the policies directly.
 */
import type { Policies } from "@pulumi/policy";
import { COVERAGE_POLICIES } from "./coverage";
import { DATA_POLICIES } from "./data";
import { GITHUB_POLICIES } from "./github";
import { IDENTITY_POLICIES } from "./identity";
import { NETWORK_POLICIES } from "./network";
import { RUNTIME_POLICIES } from "./runtime";
import { SECRET_POLICIES } from "./secrets";

export const POLICY_PACK_NAME = "mlops-cicd-guardrails";

export const ALL_POLICIES: Policies = [
  ...GITHUB_POLICIES,
  ...DATA_POLICIES,
  ...SECRET_POLICIES,
  ...RUNTIME_POLICIES,
  ...NETWORK_POLICIES,
  ...IDENTITY_POLICIES,
  ...COVERAGE_POLICIES,
];

export * from "./coverage";
export * from "./data";
export * from "./github";
export * from "./identity";
export * from "./network";
export * from "./runtime";
export * from "./secrets";
