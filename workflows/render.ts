/**
 * Renders a `Workflow` to the YAML GitHub reads, field by field: each model property is mapped to
 * its GitHub key by name, and the maps authors own (`env`, `with`, `inputs`, `outputs`, a matrix)
 * pass through with their keys untouched. Key order is fixed, so the same model always renders the
 * same bytes.
 */
import { Document, isScalar } from "yaml";
import { usesOf } from "./actions";
import { generatedHeader } from "../contracts/repository-files";
import type { BranchFilter, Concurrency, DispatchInput, Job, Permissions, Step, Triggers, Workflow } from "./model";

type Node = Record<string, unknown>;

/** Drops undefined fields, keeping the order in which they are listed. */
function compact(entries: [string, unknown][]): Node {
  const out: Node = {};
  for (const [key, value] of entries) if (value !== undefined) out[key] = value;
  return out;
}

function permissions(value: Permissions, where: string): Node {
  if (value["id-token"] === "read") {
    throw new Error(`${where}: \`id-token\` takes "write" or "none", not "read".`);
  }
  return { ...value };
}

function filter(value: BranchFilter | undefined): Node | null | undefined {
  if (value === undefined) return undefined;
  const node = compact([
    ["branches", value.branches && [...value.branches]],
    ["paths", value.paths && [...value.paths]],
    ["paths-ignore", value.pathsIgnore && [...value.pathsIgnore]],
    ["types", value.types && [...value.types]],
  ]);
  // `pull_request:` with no filter is written as an empty mapping, which GitHub reads as "all".
  return Object.keys(node).length === 0 ? null : node;
}

function input(value: DispatchInput, name: string): Node {
  if ((value.type === "choice") !== (value.options !== undefined)) {
    throw new Error(`input ${name}: \`options\` goes with \`type: choice\`, and only with it.`);
  }
  return compact([
    ["description", value.description],
    ["required", value.required ?? false],
    ["type", value.type],
    ["default", value.default],
    ["options", value.options && [...value.options]],
  ]);
}

function triggers(value: Triggers): Node {
  const dispatch = value.workflowDispatch;
  return compact([
    ["push", filter(value.push)],
    ["pull_request", filter(value.pullRequest)],
    ["schedule", value.schedule?.map((cron) => ({ cron }))],
    ["workflow_run", value.workflowRun && { workflows: [...value.workflowRun.workflows], types: [...value.workflowRun.types] }],
    ["issues", value.issues && { types: [...value.issues.types] }],
    [
      "workflow_dispatch",
      dispatch === undefined
        ? undefined
        : dispatch.inputs === undefined
          ? null
          : { inputs: Object.fromEntries(Object.entries(dispatch.inputs).map(([name, spec]) => [name, input(spec, name)])) },
    ],
  ]);
}

function concurrency(value: Concurrency | undefined): Node | undefined {
  return value && { group: value.group, "cancel-in-progress": value.cancelInProgress };
}

function step(value: Step, where: string): Node {
  if ((value.uses === undefined) === (value.run === undefined)) {
    throw new Error(`${where}: a step has either \`uses\` or \`run\`.`);
  }
  // An expression inside a script is pasted into it before the shell parses it: a crafted input or
  // branch name becomes code. Values reach scripts through `env` only.
  if (value.run?.includes("${{")) {
    throw new Error(`${where}: pass values to the script through \`env\`; \`\${{ }}\` inside \`run\` is script injection.`);
  }
  return compact([
    ["id", value.id],
    ["name", value.name],
    ["if", value.if],
    ["uses", value.uses && usesOf(value.uses)],
    ["with", value.with && { ...value.with }],
    ["env", value.env && { ...value.env }],
    ["shell", value.shell],
    ["working-directory", value.workingDirectory],
    ["continue-on-error", value.continueOnError],
    ["timeout-minutes", value.timeoutMinutes],
    ["run", value.run],
  ]);
}

function job(value: Job, id: string): Node {
  if (value.timeoutMinutes <= 0) throw new Error(`job ${id}: \`timeoutMinutes\` must be positive.`);
  return compact([
    ["name", value.name],
    ["needs", value.needs && [...value.needs]],
    ["if", value.if],
    ["runs-on", typeof value.runsOn === "string" ? value.runsOn : [...value.runsOn]],
    ["environment", typeof value.environment === "string" ? value.environment : value.environment && compact([["name", value.environment.name], ["url", value.environment.url]])],
    ["permissions", permissions(value.permissions, `job ${id}`)],
    ["concurrency", concurrency(value.concurrency)],
    ["timeout-minutes", value.timeoutMinutes],
    ["continue-on-error", value.continueOnError],
    [
      "strategy",
      value.strategy &&
        compact([
          ["fail-fast", value.strategy.failFast],
          ["max-parallel", value.strategy.maxParallel],
          ["matrix", Object.fromEntries(Object.entries(value.strategy.matrix).map(([axis, values]) => [axis, [...values]]))],
        ]),
    ],
    [
      "services",
      value.services &&
        Object.fromEntries(
          Object.entries(value.services).map(([name, service]) => [
            name,
            compact([
              ["image", service.image],
              ["env", service.env && { ...service.env }],
              ["ports", service.ports && [...service.ports]],
              ["options", service.options],
            ]),
          ]),
        ),
    ],
    ["env", value.env && { ...value.env }],
    ["outputs", value.outputs && { ...value.outputs }],
    ["steps", value.steps.map((entry, index) => step(entry, `job ${id}, step ${index + 1} (${entry.name})`))],
  ]);
}

/**
 * The workflow file's bytes: the generated-file header, then the YAML. The header says where the
 * file comes from and how it is regenerated: by default, the application's files committed by
 * `pulumi up`.
 */
export function renderWorkflow(workflow: Workflow, source: string, header: readonly string[] = generatedHeader(source)): string {
  const body = compact([
    ["name", workflow.name],
    ["on", triggers(workflow.on)],
    ["permissions", permissions(workflow.permissions, `workflow ${workflow.fileName}`)],
    ["env", workflow.env && { ...workflow.env }],
    ["concurrency", concurrency(workflow.concurrency)],
    ["jobs", Object.fromEntries(Object.entries(workflow.jobs).map(([id, entry]) => [id, job(entry, id)]))],
  ]);
  const document = new Document(body);
  // The release a pinned SHA stands for, beside it: `uses: actions/checkout@<sha> # v4.2.2`.
  for (const [id, entry] of Object.entries(workflow.jobs)) {
    entry.steps.forEach((candidate, index) => {
      const node = document.getIn(["jobs", id, "steps", index, "uses"], true);
      if (candidate.uses && isScalar(node)) node.comment = ` ${candidate.uses.version}`;
    });
  }
  document.commentBefore = header.map((line) => ` ${line}`).join("\n");
  return document.toString({ lineWidth: 0, nullStr: "" });
}
