/**
 * rotate-credentials.yml: every day, and on demand, each stack whose generated database passwords
 * are `credentialRotationDays` old is updated with the next credential generation
 * (docs/decisions/0004-credential-rotation.md). Rotation *is* `pulumi up`: the generation and its
 * date are passed with `--config` for that one run, and the stack's output `credentialRotation`
 * records where it is, so nothing is committed and the next update on merge changes nothing.
 *
 * Per stack, a read-only job decides from that output; only a due stack asks for its GitHub
 * environment (production's reviewers approve the rotation as any update) and takes the stack's
 * lock, shared with up.yml and disaster recovery. The rotation waits for MLflow and Grafana to run
 * the new credentials: one that ECS rolled back still uses the login the next rotation replaces.
 */
import type { Job, Workflow } from "../model";
import { scriptFiles } from "../steps";
import { GITHUB_APP_ENV, PULUMI_ENV, PULUMI_RUNNER, backUpState, pulumiJobSetup } from "./pulumi-steps";
import { PlatformSettings, PlatformStack } from "./settings";
import { stackLock } from "./up";

const ON_MAIN = "github.ref == 'refs/heads/main'";

export function dueJobId(stack: string): string {
  return `due-${stack}`;
}

export function rotateJobId(stack: string): string {
  return `rotate-${stack}`;
}

export function rotateCredentialsWorkflow(settings: PlatformSettings): Workflow {
  const nodeVersion = settings.nodeVersion ?? "20";
  const due = (stack: PlatformStack): Job => ({
    name: `Is rotation due in ${stack.name}`,
    if: ON_MAIN,
    runsOn: PULUMI_RUNNER,
    permissions: { contents: "read", "id-token": "write" },
    timeoutMinutes: 20,
    env: { ...PULUMI_ENV },
    outputs: {
      due: "${{ steps.decide.outputs.due }}",
      generation: "${{ steps.decide.outputs.generation }}",
      rotated_on: "${{ steps.decide.outputs.rotated_on }}",
    },
    steps: [
      // Reading the stack's outputs is all it does: drift detection's read-only role.
      ...pulumiJobSetup(nodeVersion, settings.pulumiVersion, "PULUMI_DRIFT_ROLE_ARN"),
      {
        id: "decide",
        name: "Decide from the stack's last rotation and its period",
        env: { STACK: stack.name, FORCE: "${{ inputs.force }}" },
        run: scriptFiles("decide-rotation"),
      },
    ],
  });
  const rotate = (stack: PlatformStack): Job => {
    const decided = `needs.${dueJobId(stack.name)}.outputs`;
    return {
      name: `Rotate the generated logins of ${stack.name}`,
      needs: [dueJobId(stack.name)],
      if: `${ON_MAIN} && ${decided}.due == 'true'`,
      runsOn: PULUMI_RUNNER,
      environment: { name: stack.environment, url: `https://github.com/${stack.applicationRepository}` },
      concurrency: stackLock(stack.name),
      permissions: { contents: "read", "id-token": "write" },
      timeoutMinutes: 120,
      env: { ...PULUMI_ENV },
      steps: [
        ...pulumiJobSetup(nodeVersion, settings.pulumiVersion, "PULUMI_DEPLOY_ROLE_ARN"),
        {
          id: "up",
          name: `pulumi up --stack ${stack.name} with the next credential generation`,
          // The App's key reaches this step alone, as in up.yml.
          env: {
            ...GITHUB_APP_ENV,
            STACK: stack.name,
            CREDENTIAL_GENERATION: `\${{ ${decided}.generation }}`,
            CREDENTIAL_ROTATED_ON: `\${{ ${decided}.rotated_on }}`,
          },
          run: scriptFiles("rotate-credentials"),
        },
        {
          name: "Wait for MLflow and Grafana to run the new credentials",
          env: { STACK: stack.name, DEADLINE_MINUTES: "30" },
          run: scriptFiles("wait-for-platform-rollouts"),
        },
        ...backUpState(stack.name, "up"),
      ],
    };
  };
  const jobs: Record<string, Job> = {};
  for (const stack of settings.stacks) {
    jobs[dueJobId(stack.name)] = due(stack);
    jobs[rotateJobId(stack.name)] = rotate(stack);
  }
  return {
    fileName: "rotate-credentials.yml",
    name: "Rotate credentials",
    // After the nightly backup window and drift detection (04:17), before the working day.
    on: {
      schedule: ["43 5 * * *"],
      workflowDispatch: {
        inputs: {
          force: { description: "Rotate now, due or not (not twice in one day): after a password may have leaked", type: "boolean", default: false },
        },
      },
    },
    // Two runs would decide from the same generation: the second waits for the first.
    concurrency: { group: "rotate-credentials", cancelInProgress: false },
    permissions: {},
    jobs,
  };
}
