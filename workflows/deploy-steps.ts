/**
 * Deployment steps shared by ci-cd and deploy-service: roll an ECS service to an image digest,
 * wait for the deployment to finish or roll back, and smoke-test the result.
 *
 * They talk to AWS through the environment's OIDC role and find the service through the
 * environment's variables: AWS_ROLE_ARN, AWS_REGION, ECS_CLUSTER and ECS_SERVICE_PREFIX (the service
 * of type T is `<prefix>-<T>`). The runtime stack publishes them (docs/workflows.md).
 */
import { ACTIONS } from "./actions";
import type { Step } from "./model";
import { script } from "./steps";

export interface RolloutArgs {
  /** Expression for the service type: web-service, batch or mlflow-service. */
  readonly serviceType: string;
  /** Expression for the image digest (`sha256:…`) to deploy. */
  readonly imageDigest: string;
}

/**
 * Registers a task definition that differs from the running one only by the image, points the
 * service at it, and records both revisions (outputs `previous` and `next`) for a rollback.
 */
export function startRollout(args: RolloutArgs): Step {
  return {
    id: "rollout",
    name: "Start the rollout",
    env: {
      SERVICE_TYPE: args.serviceType,
      IMAGE_DIGEST: args.imageDigest,
      ECS_CLUSTER: "${{ vars.ECS_CLUSTER }}",
      ECS_SERVICE_PREFIX: "${{ vars.ECS_SERVICE_PREFIX }}",
    },
    run: script(
      'if [[ ! "$IMAGE_DIGEST" =~ ^sha256:[0-9a-f]{64}$ ]]; then',
      '  echo "::error::No image digest to deploy; the image build did not publish one."',
      "  exit 1",
      "fi",
      'image="${DOCKER_REGISTRY}/${IMAGE_NAME,,}/${SERVICE_TYPE}@${IMAGE_DIGEST}"',
      'service="${ECS_SERVICE_PREFIX}-${SERVICE_TYPE}"',
      'previous=$(aws ecs describe-services --cluster "$ECS_CLUSTER" --services "$service" \\',
      "  --query 'services[0].taskDefinition' --output text)",
      'aws ecs describe-task-definition --task-definition "$previous" --query taskDefinition > task-definition.json',
      "# Same task definition, new image: drop the fields ECS sets itself before registering it again.",
      'jq --arg image "$image" --arg container "$SERVICE_TYPE" \\',
      "  '.containerDefinitions |= map(if .name == $container then .image = $image else . end)",
      "   | del(.taskDefinitionArn, .revision, .status, .requiresAttributes, .compatibilities, .registeredAt, .registeredBy)' \\",
      "  task-definition.json > next-task-definition.json",
      "next=$(aws ecs register-task-definition --cli-input-json file://next-task-definition.json \\",
      "  --query taskDefinition.taskDefinitionArn --output text)",
      'aws ecs update-service --cluster "$ECS_CLUSTER" --service "$service" --task-definition "$next" > /dev/null',
      '{ echo "service=$service"; echo "previous=$previous"; echo "next=$next"; } >> "$GITHUB_OUTPUT"',
      'echo "Rolling $service from $previous to $next ($image)."',
    ),
  };
}

/**
 * Waits until the deployment of the new revision has COMPLETED, and fails when ECS rolled it back
 * (FAILED) or it did not settle in time. ECS's own strategy (canary or rolling with the circuit
 * breaker) decides; this step only reports it.
 */
export function waitForRollout(name: string, timeoutMinutes: number): Step {
  return {
    id: "rollout-state",
    name,
    timeoutMinutes: timeoutMinutes + 1,
    env: {
      ECS_CLUSTER: "${{ vars.ECS_CLUSTER }}",
      SERVICE: "${{ steps.rollout.outputs.service }}",
      NEXT: "${{ steps.rollout.outputs.next }}",
      DEADLINE_MINUTES: String(timeoutMinutes),
    },
    run: script(
      "deadline=$(( $(date +%s) + DEADLINE_MINUTES * 60 ))",
      'while (( $(date +%s) < deadline )); do',
      '  state=$(aws ecs describe-services --cluster "$ECS_CLUSTER" --services "$SERVICE" \\',
      '    --query "services[0].deployments[?taskDefinition==\'${NEXT}\'] | [0].rolloutState" --output text)',
      '  echo "rollout state: $state"',
      '  case "$state" in',
      "    COMPLETED) exit 0 ;;",
      '    FAILED) echo "::error::ECS rolled the deployment of $NEXT back."; exit 1 ;;',
      "  esac",
      "  sleep 15",
      "done",
      'echo "::error::The deployment of $NEXT did not finish within $DEADLINE_MINUTES minutes."',
      "exit 1",
    ),
  };
}

/**
 * Smoke test per service type: the web service and the MLflow model server answer a prediction for
 * a known trip; the batch job runs once to completion.
 */
export function smokeTest(name: string, serviceType: string, apiUrl: string): Step {
  return {
    name,
    env: {
      SERVICE_TYPE: serviceType,
      API_URL: apiUrl,
      ECS_CLUSTER: "${{ vars.ECS_CLUSTER }}",
      TASK_DEFINITION: "${{ steps.rollout.outputs.next }}",
      BATCH_NETWORK: "${{ vars.BATCH_NETWORK_CONFIGURATION }}",
    },
    run: script(
      'ride=\'{"PULocationID": "10", "DOLocationID": "50", "trip_distance": 40}\'',
      'case "$SERVICE_TYPE" in',
      "  web-service)",
      '    answer=$(curl -fsS --retry 5 --retry-all-errors --max-time 20 -H "Content-Type: application/json" -d "$ride" "${API_URL%/}/predict")',
      "    jq -e '(.duration | type == \"number\") and (.model_version | type == \"string\")' <<< \"$answer\"",
      "    ;;",
      "  mlflow-service)",
      "    answer=$(curl -fsS --retry 5 --retry-all-errors --max-time 20 -H \"Content-Type: application/json\" \\",
      '      -d "{\\"dataframe_records\\": [${ride}]}" "${API_URL%/}/invocations")',
      "    jq -e '.predictions | length == 1' <<< \"$answer\"",
      "    ;;",
      "  batch)",
      '    task=$(aws ecs run-task --cluster "$ECS_CLUSTER" --task-definition "$TASK_DEFINITION" --launch-type FARGATE \\',
      '      --network-configuration "$BATCH_NETWORK" --query "tasks[0].taskArn" --output text)',
      '    aws ecs wait tasks-stopped --cluster "$ECS_CLUSTER" --tasks "$task"',
      '    code=$(aws ecs describe-tasks --cluster "$ECS_CLUSTER" --tasks "$task" --query "tasks[0].containers[0].exitCode" --output text)',
      '    [[ "$code" == "0" ]] || { echo "::error::The batch task exited with $code."; exit 1; }',
      "    ;;",
      "  *)",
      '    echo "::error::Unknown service type $SERVICE_TYPE."; exit 1 ;;',
      "esac",
      'echo "Smoke test of $SERVICE_TYPE passed."',
    ),
  };
}

/**
 * Puts the previous revision back when ECS has not already done so (a failure after the rollout,
 * in the smoke test, leaves the new revision serving).
 */
export function rollBack(): Step {
  return {
    id: "rollback",
    name: "Roll back to the previous revision",
    if: "failure() && steps.rollout.outputs.previous != ''",
    env: {
      ECS_CLUSTER: "${{ vars.ECS_CLUSTER }}",
      SERVICE: "${{ steps.rollout.outputs.service }}",
      PREVIOUS: "${{ steps.rollout.outputs.previous }}",
    },
    run: script(
      'current=$(aws ecs describe-services --cluster "$ECS_CLUSTER" --services "$SERVICE" --query "services[0].taskDefinition" --output text)',
      'if [[ "$current" != "$PREVIOUS" ]]; then',
      '  aws ecs update-service --cluster "$ECS_CLUSTER" --service "$SERVICE" --task-definition "$PREVIOUS" > /dev/null',
      '  aws ecs wait services-stable --cluster "$ECS_CLUSTER" --services "$SERVICE"',
      "fi",
      'echo "$SERVICE serves $PREVIOUS again."',
    ),
  };
}

/**
 * After a successful deployment, moves the environment's tag (`:staging`, `:production`) to the
 * deployed digest: the platform starts the service from that tag when it (re)creates it, so a
 * disaster-recovery rebuild serves the last promoted release (docs/deploy.md).
 */
export function promoteImage(serviceType: string, imageDigest: string, environment: string): Step[] {
  return [
    {
      name: "Log in to GHCR",
      uses: ACTIONS.dockerLogin,
      with: { registry: "${{ env.DOCKER_REGISTRY }}", username: "${{ github.actor }}", password: "${{ secrets.GITHUB_TOKEN }}" },
    },
    {
      name: "Promote the image to the environment's tag",
      env: { SERVICE_TYPE: serviceType, IMAGE_DIGEST: imageDigest, ENVIRONMENT: environment },
      run: script(
        'image="${DOCKER_REGISTRY}/${IMAGE_NAME,,}/${SERVICE_TYPE}"',
        'docker buildx imagetools create --tag "${image}:${ENVIRONMENT}" "${image}@${IMAGE_DIGEST}"',
        'echo "${image}:${ENVIRONMENT} is ${IMAGE_DIGEST}."',
      ),
    },
  ];
}
