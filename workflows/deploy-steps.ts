/**
 * Deployment steps shared by ci-cd and deploy-service: roll an ECS service to an image digest,
 * wait for the deployment to finish or roll back, and smoke-test the result.
 *
 * They talk to AWS through the environment's OIDC role and find the service through the
 * environment's variables: AWS_ROLE_ARN, AWS_REGION, ECS_CLUSTER, ECS_SERVICE_PREFIX (the service
 * of type T is `<prefix>-<T>`) and BATCH_SCHEDULE_GROUP (the batch job's schedule, also named
 * `<prefix>-batch`, is in that group). The runtime stack publishes them (docs/workflows.md).
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
 * `aws scheduler update-schedule` input from `get-schedule` output with another task definition
 * (`$td`): update-schedule replaces the whole schedule, so everything else is carried over.
 */
const SCHEDULE_UPDATE_JQ =
  "'{Name, GroupName, Description, ScheduleExpression, ScheduleExpressionTimezone, FlexibleTimeWindow, State, StartDate, EndDate, KmsKeyArn, ActionAfterCompletion," +
  " Target: (.Target | .EcsParameters.TaskDefinitionArn = $td)} | with_entries(select(.value != null))'";

/** Where a deployment's revision runs: an ECS service, or the batch job's schedule. */
const ROLLOUT_OUTPUTS = {
  ECS_CLUSTER: "${{ vars.ECS_CLUSTER }}",
  BATCH_SCHEDULE_GROUP: "${{ vars.BATCH_SCHEDULE_GROUP }}",
  KIND: "${{ steps.rollout.outputs.kind }}",
  SERVICE: "${{ steps.rollout.outputs.service }}",
  PREVIOUS: "${{ steps.rollout.outputs.previous }}",
  NEXT: "${{ steps.rollout.outputs.next }}",
  CONTAINER: "${{ steps.rollout.outputs.container }}",
} as const;

/**
 * Registers a task definition that differs from the running one only by the image and records
 * both revisions (outputs `kind`, `service`, `previous`, `next`) for a rollback. A service is
 * pointed at it at once (ECS's strategy then rolls it out); the batch job's schedule keeps the
 * running revision until a trial run of the new one succeeds (`trialRun`).
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
      BATCH_SCHEDULE_GROUP: "${{ vars.BATCH_SCHEDULE_GROUP }}",
    },
    run: script(
      'if [[ ! "$IMAGE_DIGEST" =~ ^sha256:[0-9a-f]{64}$ ]]; then',
      '  echo "::error::No image digest to deploy; the image build did not publish one."',
      "  exit 1",
      "fi",
      'image="${DOCKER_REGISTRY}/${IMAGE_NAME,,}/${SERVICE_TYPE}@${IMAGE_DIGEST}"',
      'service="${ECS_SERVICE_PREFIX}-${SERVICE_TYPE}"',
      'if [[ "$SERVICE_TYPE" == batch ]]; then',
      "  kind=schedule",
      '  aws scheduler get-schedule --group-name "$BATCH_SCHEDULE_GROUP" --name "$service" > schedule.json',
      "  previous=$(jq -r '.Target.EcsParameters.TaskDefinitionArn // empty' schedule.json)",
      "else",
      "  kind=service",
      '  previous=$(aws ecs describe-services --cluster "$ECS_CLUSTER" --services "$service" \\',
      "    --query 'services[0].taskDefinition' --output text)",
      "fi",
      'if [[ "$previous" != arn:aws:ecs:* ]]; then',
      '  echo "::error::$service has no running task definition in $ECS_CLUSTER: has the environment\'s pulumi up run?"',
      "  exit 1",
      "fi",
      'aws ecs describe-task-definition --task-definition "$previous" --query taskDefinition > task-definition.json',
      "# Same task definition, new image: drop the fields ECS sets itself before registering it again.",
      'jq --arg image "$image" --arg container "$SERVICE_TYPE" \\',
      "  '.containerDefinitions |= map(if .name == $container then .image = $image else . end)",
      "   | del(.taskDefinitionArn, .revision, .status, .requiresAttributes, .compatibilities, .registeredAt, .registeredBy)' \\",
      "  task-definition.json > next-task-definition.json",
      "next=$(aws ecs register-task-definition --cli-input-json file://next-task-definition.json \\",
      "  --query taskDefinition.taskDefinitionArn --output text)",
      'if [[ "$kind" == service ]]; then',
      '  aws ecs update-service --cluster "$ECS_CLUSTER" --service "$service" --task-definition "$next" > /dev/null',
      '  echo "Rolling $service from $previous to $next ($image)."',
      "else",
      '  echo "Registered $next ($image); the schedule runs $previous until a trial run succeeds."',
      "fi",
      '{ echo "kind=$kind"; echo "service=$service"; echo "container=$SERVICE_TYPE"; echo "previous=$previous"; echo "next=$next"; } >> "$GITHUB_OUTPUT"',
    ),
  };
}

/**
 * Waits until the service's deployment of the new revision has COMPLETED, and fails when ECS
 * rolled it back (FAILED) or it did not settle in time. ECS's own strategy (canary or rolling with
 * the circuit breaker) decides; this step only reports it. Services only: see `trialRun`.
 */
export function waitForRollout(name: string, timeoutMinutes: number): Step {
  return {
    id: "rollout-state",
    name,
    if: "steps.rollout.outputs.kind == 'service'",
    timeoutMinutes: timeoutMinutes + 1,
    env: { ...ROLLOUT_OUTPUTS, DEADLINE_MINUTES: String(timeoutMinutes) },
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
 * The batch job's rollout: runs the new revision once, in the schedule's own network, and points
 * the schedule at it only when that run exits 0. A failed run prints the end of its log.
 */
export function trialRun(name: string, timeoutMinutes: number): Step {
  return {
    id: "trial-run",
    name,
    if: "steps.rollout.outputs.kind == 'schedule'",
    timeoutMinutes: timeoutMinutes + 1,
    env: { ...ROLLOUT_OUTPUTS, DEADLINE_MINUTES: String(timeoutMinutes) },
    run: script(
      "network=$(jq -c '.Target.EcsParameters.NetworkConfiguration.AwsvpcConfiguration",
      "  | {awsvpcConfiguration: {subnets: .Subnets, securityGroups: .SecurityGroups, assignPublicIp: .AssignPublicIp}}' schedule.json)",
      'task=$(aws ecs run-task --cluster "$ECS_CLUSTER" --task-definition "$NEXT" --launch-type FARGATE \\',
      '  --network-configuration "$network" --started-by deploy-service --query "tasks[0].taskArn" --output text)',
      'if [[ "$task" != arn:aws:ecs:* ]]; then echo "::error::ECS did not start a trial run of $NEXT (capacity, or the task definition): see the run-task answer above."; exit 1; fi',
      'echo "Trial run: $task"',
      "deadline=$(( $(date +%s) + DEADLINE_MINUTES * 60 ))",
      'status=""',
      'while [[ "$status" != STOPPED ]]; do',
      '  if (( $(date +%s) >= deadline )); then',
      '    aws ecs stop-task --cluster "$ECS_CLUSTER" --task "$task" --reason "deploy-service: trial run timed out" > /dev/null',
      '    echo "::error::The trial run of $NEXT did not finish within $DEADLINE_MINUTES minutes."',
      "    exit 1",
      "  fi",
      "  sleep 15",
      '  status=$(aws ecs describe-tasks --cluster "$ECS_CLUSTER" --tasks "$task" --query "tasks[0].lastStatus" --output text)',
      "done",
      'code=$(aws ecs describe-tasks --cluster "$ECS_CLUSTER" --tasks "$task" --query "tasks[0].containers[0].exitCode" --output text)',
      'if [[ "$code" != 0 ]]; then',
      '  echo "::error title=Trial run failed::$NEXT exited with $code; the schedule still runs $PREVIOUS."',
      '  aws logs get-log-events --log-group-name "/ecs/${SERVICE}" --log-stream-name "${CONTAINER}/${CONTAINER}/${task##*/}" \\',
      '    --limit 50 --query "events[].message" --output text || true',
      "  exit 1",
      "fi",
      `jq --arg td "$NEXT" ${SCHEDULE_UPDATE_JQ} schedule.json > next-schedule.json`,
      "aws scheduler update-schedule --cli-input-json file://next-schedule.json > /dev/null",
      'echo "The trial run passed; the schedule now runs $NEXT."',
    ),
  };
}

/**
 * Smoke test per service type: the web service and the MLflow model server answer a prediction for
 * a known trip; the batch job's schedule is enabled and runs the new revision (its trial run has
 * already scored a batch).
 */
export function smokeTest(name: string, serviceType: string, apiUrl: string): Step {
  return {
    name,
    env: { SERVICE_TYPE: serviceType, API_URL: apiUrl, ...ROLLOUT_OUTPUTS },
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
      '    aws scheduler get-schedule --group-name "$BATCH_SCHEDULE_GROUP" --name "$SERVICE" > deployed-schedule.json',
      "    jq -e --arg next \"$NEXT\" '.State == \"ENABLED\" and .Target.EcsParameters.TaskDefinitionArn == $next' deployed-schedule.json",
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
 * in the smoke test, leaves the new revision serving), and the batch job's schedule back on its
 * previous revision when it had moved.
 */
export function rollBack(): Step {
  return {
    id: "rollback",
    name: "Roll back to the previous revision",
    if: "failure() && steps.rollout.outputs.previous != ''",
    env: { ...ROLLOUT_OUTPUTS },
    run: script(
      'if [[ "$KIND" == schedule ]]; then',
      '  current=$(aws scheduler get-schedule --group-name "$BATCH_SCHEDULE_GROUP" --name "$SERVICE" \\',
      '    --query "Target.EcsParameters.TaskDefinitionArn" --output text)',
      '  if [[ "$current" != "$PREVIOUS" ]]; then',
      `    jq --arg td "$PREVIOUS" ${SCHEDULE_UPDATE_JQ} schedule.json > previous-schedule.json`,
      "    aws scheduler update-schedule --cli-input-json file://previous-schedule.json > /dev/null",
      "  fi",
      '  echo "The $SERVICE schedule runs $PREVIOUS again."',
      "  exit 0",
      "fi",
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
 * deployed digest: a record on GHCR, outside the AWS account, of what each environment last ran
 * successfully, for a rollback or a rebuild (docs/deploy.md).
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
