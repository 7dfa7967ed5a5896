/**
 * deploy-service.yml: by hand, with the environment, the model version and the service type.
 *
 * Staging: validate the model, build the image, deploy, smoke-test, report. Production adds a
 * backup, a canary of 10% of traffic whose alarms are watched, a load test of the new revision
 * through its test route while the canary bakes, the full rollout, and the registry
 * update (its own job, in the registry's environment). The batch job has no traffic to split: a trial run of the new revision must succeed before
 * its schedule moves to it. A failure rolls back and opens (or updates) an incident issue.
 */
// The canary the web service's deployment strategy runs (infra/model-serving): the watch step follows it.
import { CANARY_BAKE_MINUTES, CANARY_PERCENT } from "../contracts/canary";
import { REGISTRY_ENVIRONMENT } from "../contracts/github";
import { IMAGE_ENV, RUNNER, SERVICE_TYPES, ServiceType } from "./application";
import type { ApplicationLayout } from "../contracts/application";
import { loadTestSteps, promoteImage, rollBack, smokeTest, startRollout, trialRun, uploadLoadTestReport, waitForRollout } from "./deploy-steps";
import { buildAndPushImage } from "./image-steps";
import { backupRegistryState, findReleasedModel, mlflowEnv, promoteModel } from "./mlflow-steps";
import type { Workflow } from "./model";
import { incidentIssueSteps } from "./incident-steps";
import { awsCredentials, checkout, scriptFiles, uploadArtifact, validateInput } from "./steps";

const IS_PRODUCTION = "inputs.environment == 'production'";
// The routed services deploy as a canary; the batch job takes no traffic (its trial run is its
// canary, docs/deploy.md).
const IS_PRODUCTION_CANARY = `${IS_PRODUCTION} && inputs.service_type != 'batch'`;

/** A release (`v1.2.3`, the registry's `release` tag) or a registry version (`7`). */
export const MODEL_VERSION_PATTERN = "^(v[0-9]+\\.[0-9]+\\.[0-9]+|[1-9][0-9]*)$";

/** The service types the repository builds an image for: the only ones deploy-service offers. */
export function deployableServiceTypes(settings: ApplicationLayout): ServiceType[] {
  const contexts: Record<ServiceType, string | undefined> = {
    "web-service": settings.webServiceDirectory,
    batch: settings.batchDirectory,
    "mlflow-service": settings.mlflowServiceDirectory,
  };
  return SERVICE_TYPES.filter((type) => contexts[type] !== undefined);
}

export function deployServiceWorkflow(settings: ApplicationLayout): Workflow {
  const serviceTypes = deployableServiceTypes(settings);
  return {
    fileName: "deploy-service.yml",
    name: "Deploy Model Service",
    on: {
      workflowDispatch: {
        inputs: {
          environment: { description: "Where to deploy", type: "choice", options: ["staging", "production"], required: true, default: "staging" },
          model_version: {
            description: "Model to deploy: a release (vX.Y.Z, the registry's release tag) or a registry version (as train-model's model card gives it)",
            type: "string",
            required: true,
          },
          service_type: { description: "Service to deploy", type: "choice", options: serviceTypes, required: true, default: serviceTypes[0] },
        },
      },
    },
    permissions: {},
    env: { ...IMAGE_ENV, MODEL_NAME: settings.modelName, MODEL_VERSION: "${{ inputs.model_version }}", SERVICE_TYPE: "${{ inputs.service_type }}" },
    jobs: {
      validate: {
        name: "Validate model",
        runsOn: RUNNER,
        permissions: { contents: "read" },
        timeoutMinutes: 10,
        outputs: { registry_version: "${{ steps.model.outputs.registry_version }}" },
        steps: [
          validateInput("model_version", "${{ inputs.model_version }}", MODEL_VERSION_PATTERN, "a release such as v1.2.3, or a registry version such as 7"),
          findReleasedModel(),
        ],
      },
      build: {
        name: "Build image",
        needs: ["validate"],
        runsOn: RUNNER,
        // packages: push; id-token: cosign; security-events: the image scan's findings.
        permissions: { contents: "read", packages: "write", "id-token": "write", "security-events": "write" },
        timeoutMinutes: 30,
        outputs: { digest: "${{ steps.build.outputs.digest }}" },
        steps: [
          checkout(),
          {
            id: "context",
            name: "Pick the build context",
            env: {
              // Empty for a service without an image: the script refuses it by name.
              WEB_SERVICE_DIR: settings.webServiceDirectory ?? "",
              BATCH_DIR: settings.batchDirectory ?? "",
              MLFLOW_SERVICE_DIR: settings.mlflowServiceDirectory ?? "",
            },
            run: scriptFiles("pick-build-context"),
          },
          ...buildAndPushImage({
            service: "${{ inputs.service_type }}",
            context: "${{ steps.context.outputs.dir }}",
            tags: "type=raw,value=${{ inputs.model_version }}-${{ github.sha }}\n",
            push: true,
            buildArgs: "MODEL_NAME=${{ env.MODEL_NAME }}\nMODEL_VERSION=${{ needs.validate.outputs.registry_version }}\n",
            // The Dockerfile fetches that version from the registry with these (docs/deploy.md).
            secrets: Object.entries(mlflowEnv("deployment"))
              .map(([name, value]) => `${name}=${value}\n`)
              .join(""),
          }),
        ],
      },
      deploy: {
        name: "Deploy ${{ inputs.service_type }} to ${{ inputs.environment }}",
        needs: ["validate", "build"],
        runsOn: RUNNER,
        // Each environment's API URL variable exists only in that environment, so one of the two is set.
        environment: { name: "${{ inputs.environment }}", url: "${{ vars.PROD_API_URL || vars.STAGING_API_URL }}" },
        concurrency: { group: "deploy-${{ inputs.environment }}", cancelInProgress: false },
        // packages: moving the environment's image tag after success; issues and actions: the
        // incident issue after a failure, and the dispatch that records it.
        permissions: { contents: "read", "id-token": "write", issues: "write", actions: "write", packages: "write" },
        // Room for every step's own limit in production: the test route and load test, the canary, the full rollout.
        timeoutMinutes: 80,
        env: { API_URL: "${{ vars.PROD_API_URL || vars.STAGING_API_URL }}" },
        steps: [
          awsCredentials(),
          { ...backupRegistryState("production", "backup/registry.json"), if: IS_PRODUCTION },
          startRollout({ serviceType: "${{ inputs.service_type }}", imageDigest: "${{ needs.build.outputs.digest }}" }),
          // While the canary bakes, before the rest of the traffic moves: a failure rolls back.
          ...loadTestSteps({ settings: settings.loadTest, serviceType: "${{ inputs.service_type }}", apiUrl: "${{ env.API_URL }}", condition: IS_PRODUCTION_CANARY }),
          {
            name: `Watch the canary (${CANARY_PERCENT}% of traffic)`,
            if: IS_PRODUCTION_CANARY,
            timeoutMinutes: CANARY_BAKE_MINUTES + 2,
            env: { CANARY_ALARMS: "${{ vars.CANARY_ALARMS }}", ECS_SERVICE_PREFIX: "${{ vars.ECS_SERVICE_PREFIX }}", BAKE_MINUTES: String(CANARY_BAKE_MINUTES) },
            run: scriptFiles("watch-canary"),
          },
          waitForRollout("Full rollout", 30),
          trialRun("Trial run of the batch job", 45),
          smokeTest("Smoke tests", "${{ inputs.service_type }}", "${{ env.API_URL }}"),
          ...promoteImage("${{ inputs.service_type }}", "${{ needs.build.outputs.digest }}", "${{ inputs.environment }}"),
          {
            name: "Report",
            if: "always()",
            env: { OUTCOME: "${{ job.status }}", NEXT: "${{ steps.rollout.outputs.next }}", ENVIRONMENT: "${{ inputs.environment }}" },
            run: scriptFiles("report-deployment"),
          },
          // Kept whether the deployment succeeded or not: after a failure it is what an operator restores from.
          { ...uploadArtifact("deployment-backup-${{ github.run_id }}", "backup/", 30), if: `always() && ${IS_PRODUCTION}` },
          uploadLoadTestReport(),
          rollBack(),
          ...incidentIssueSteps({
            environment: "${{ inputs.environment }}",
            service: "${{ inputs.service_type }}",
            title: "Deployment failed: ${{ inputs.service_type }} ${{ inputs.model_version }} to ${{ inputs.environment }}",
            body: [
              "Deploying **${{ inputs.service_type }} ${{ inputs.model_version }}** to **${{ inputs.environment }}** failed and was rolled back.",
              "",
              "- ${{ steps.rollout.outputs.kind || 'service' }}: ${{ steps.rollout.outputs.service || 'not reached' }}",
              "- previous task definition (restored): ${{ steps.rollout.outputs.previous || 'none' }}",
              "- failed task definition: ${{ steps.rollout.outputs.next || 'none registered' }}",
              "- rollback: ${{ steps.rollback.outcome == 'skipped' && 'not needed (nothing had moved)' || steps.rollback.outcome }}",
              "- load test: ${{ steps.load-test.outcome == 'skipped' && 'not run' || steps.load-test.outcome }}",
              "- run: ${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}",
            ].join("\n"),
          }),
        ],
      },
      // The registry's alias moves once the service runs the version, from the one job that holds
      // the login able to move it: the default-branch-only registry environment's. Re-running this
      // job alone is the way to finish a deployment whose promotion failed.
      promote: {
        name: "Promote the model in the registry",
        needs: ["validate", "deploy"],
        runsOn: RUNNER,
        environment: REGISTRY_ENVIRONMENT.name,
        concurrency: { group: "promote-${{ inputs.environment }}", cancelInProgress: false },
        permissions: {},
        timeoutMinutes: 10,
        steps: [promoteModel("${{ inputs.environment }}", "${{ needs.validate.outputs.registry_version }}")],
      },
    },
  };
}
