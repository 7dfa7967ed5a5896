/**
 * The guardrail pack: `pulumi preview --policy-pack policy` (docs/policy.md).
 *
 * Constructing the pack starts the gRPC server the Pulumi engine talks to, so nothing else imports
 * this file; the policies live in ./policies.
 */
import { PolicyPack } from "@pulumi/policy";
import { ALL_POLICIES, POLICY_PACK_NAME } from "./policies";

new PolicyPack(POLICY_PACK_NAME, {
  description: "Guardrails of the mlops-cicd program: GitHub protection, data stores, secrets, the ECS runtime, network and OIDC trust.",
  policies: ALL_POLICIES,
});
