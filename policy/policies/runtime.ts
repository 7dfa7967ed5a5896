/**
 * The ECS runtime: what containers run (pinned images, no privileges) and where their logs go.
 */
import { Props, TYPES, boolAt, jsonAt, numberAt, recordAt, resourcePolicy, stackPolicy, stringAt } from "./common";

/** One container of a task definition, as the ECS API spells it. */
export type ContainerDefinition = Props;

/**
 * A task definition's containers. `containerDefinitions` is JSON text (the provider's input) or,
 * from a program that passes objects, a list; `undefined` when it is neither.
 */
export function containerDefinitions(props: Props): ContainerDefinition[] | undefined {
  const parsed = jsonAt(props.containerDefinitions);
  return Array.isArray(parsed) ? parsed.map((container) => canonicalKeys(recordAt(container))) : undefined;
}

/** The keys the policies judge, in the ECS API's spelling. */
const JUDGED_KEYS = ["name", "image", "privileged", "logConfiguration", "user"];

/**
 * The provider decodes container JSON with Go, which matches keys without regard to letter case:
 * `"Privileged": true` is privileged. Keys are read the same way here.
 */
function canonicalKeys(container: Props): Props {
  const canonical: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(container)) {
    canonical[JUDGED_KEYS.find((known) => known.toLowerCase() === key.toLowerCase()) ?? key] = value;
  }
  return canonical;
}

/**
 * Keys the policies judge that a task definition's JSON spells more than once in one container
 * (`"privileged": false, "Privileged": true`): which one the provider takes is not for a policy to guess.
 */
export function ambiguousKeys(props: Props): string[] {
  const text = typeof props.containerDefinitions === "string" ? props.containerDefinitions : JSON.stringify(props.containerDefinitions ?? null);
  const containers = containerDefinitions(props) ?? [];
  // `name` is left out: environment and secret entries inside a container have names of their own.
  return JUDGED_KEYS.filter((key) => key !== "name").filter((key) => {
    const spelled = [...text.matchAll(new RegExp(`"${key}"\\s*:`, "gi"))].length;
    return spelled > containers.filter((container) => container[key] !== undefined).length;
  });
}

/** An image reference that names its content: `<repository>@sha256:<64 hex digits>`. */
const DIGEST_REFERENCE = /@sha256:[0-9a-f]{64}$/;

export const ecsImagesPinnedByDigest = resourcePolicy({
  name: "ecs-images-pinned-by-digest",
  description: "ECS containers run images referenced by digest (`@sha256:`), so what runs is what was built, tested and approved.",
  enforcementLevel: "mandatory",
  types: [TYPES.taskDefinition],
  validate: ({ name, props }, reportViolation) => {
    const containers = containerDefinitions(props);
    if (containers === undefined) {
      reportViolation(`Task definition \`${name}\` has \`containerDefinitions\` that are not a JSON list of containers. Pass the list ECS's API takes.`);
      return;
    }
    const ambiguous = ambiguousKeys(props);
    if (ambiguous.length > 0) {
      reportViolation(
        `Task definition \`${name}\` spells ${ambiguous.map((key) => `\`${key}\``).join(", ")} more than once in a container (letter case included): ` +
          "the provider takes one of them, the policies cannot tell which. Write each key once.",
      );
    }
    for (const container of containers) {
      const image = stringAt(container.image) ?? "";
      if (!DIGEST_REFERENCE.test(image)) {
        reportViolation(
          `Container \`${String(container.name)}\` of task definition \`${name}\` runs \`${image}\`, a tag that can move. ` +
            "Reference the image by digest (`<repository>@sha256:<digest>`), as ContainerImage.imageRef does.",
        );
      }
    }
  },
});

export const ecsContainersUnprivileged = resourcePolicy({
  name: "ecs-containers-unprivileged",
  description: "No ECS container runs privileged (root on its host).",
  enforcementLevel: "mandatory",
  types: [TYPES.taskDefinition],
  validate: ({ name, props }, reportViolation) => {
    for (const container of containerDefinitions(props) ?? []) {
      if (container.privileged !== undefined && boolAt(container.privileged) !== false) {
        reportViolation(`Container \`${String(container.name)}\` of task definition \`${name}\` runs privileged. Remove \`privileged: true\`.`);
      }
    }
  },
});

/** The CloudWatch log group a container's logs go to, when they go to CloudWatch. */
function awslogsGroup(container: ContainerDefinition): string | undefined {
  const logConfiguration = recordAt(container.logConfiguration);
  return logConfiguration.logDriver === "awslogs" ? stringAt(recordAt(logConfiguration.options)["awslogs-group"]) : undefined;
}

export const ecsLogsToCloudWatch = resourcePolicy({
  name: "ecs-logs-to-cloudwatch",
  description: "Every ECS container sends its logs to a CloudWatch log group (the awslogs driver with `awslogs-group`).",
  enforcementLevel: "mandatory",
  types: [TYPES.taskDefinition],
  validate: ({ name, props }, reportViolation) => {
    for (const container of containerDefinitions(props) ?? []) {
      if (awslogsGroup(container) !== undefined) continue;
      const driver = stringAt(recordAt(container.logConfiguration).logDriver);
      reportViolation(
        `Container \`${String(container.name)}\` of task definition \`${name}\` ` +
          (driver === "awslogs" ? "names no `awslogs-group`" : `logs ${driver === undefined ? "nowhere" : `with the \`${driver}\` driver`}`) +
          '. Set `logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": <a log group this stack declares>, ... } }`.',
      );
    }
  },
});

export const logGroupsRetained = resourcePolicy({
  name: "log-groups-retained",
  description: "Every CloudWatch log group says how long it keeps logs (`retentionInDays`) instead of keeping them forever.",
  enforcementLevel: "advisory",
  types: [TYPES.logGroup],
  validate: ({ name, props }, reportViolation) => {
    const days = numberAt(props.retentionInDays);
    if (days === undefined || days <= 0) {
      reportViolation(`Log group \`${name}\` keeps logs forever. Set \`retentionInDays\` (config \`mlops-cicd:logRetentionDays\`).`);
    }
  },
});

export const ecsLogGroupsDeclared = stackPolicy({
  name: "ecs-log-groups-declared",
  description:
    "The log group each ECS container logs to is declared in the stack, so its retention is set (a group ECS creates on the fly keeps logs forever).",
  enforcementLevel: "advisory",
  validateStack: ({ resources }, reportViolation) => {
    const declared = new Set(resources.filter((resource) => resource.type === TYPES.logGroup).map((group) => stringAt(group.props.name)));
    for (const taskDefinition of resources.filter((resource) => resource.type === TYPES.taskDefinition)) {
      for (const container of containerDefinitions(taskDefinition.props) ?? []) {
        const group = awslogsGroup(container);
        if (group !== undefined && !declared.has(group)) {
          reportViolation(
            `Container \`${String(container.name)}\` of task definition \`${taskDefinition.name}\` logs to \`${group}\`, a log group this stack does not declare. ` +
              "Declare it (aws.cloudwatch.LogGroup with that name and `retentionInDays`).",
            taskDefinition.urn,
          );
        }
      }
    }
  },
});

export const RUNTIME_POLICIES = [ecsImagesPinnedByDigest, ecsContainersUnprivileged, ecsLogsToCloudWatch, logGroupsRetained, ecsLogGroupsDeclared];
