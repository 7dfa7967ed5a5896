#!/usr/bin/env node
// @ts-check
"use strict";

/**
 * Fake `aws`, `curl`, `docker`, `pulumi` and `gh` for tests/workflow-runner.ts: each call reads and
 * writes the world and is recorded in `world.calls`. Only the calls the workflows' steps make are
 * known; anything else fails loudly, as the real CLI would with a wrong argument, so a script and
 * its fake cannot drift apart silently.
 *
 * `answer` is the fakes themselves, a function the runner calls in its own process (a call then
 * starts no node); run as a program, this file answers one call against the world in $FAKE_WORLD.
 */
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const { URL } = require("node:url");

/** How a call ends: thrown by `finish` and `fail`, caught by `answer`. */
class Exit {
  constructor(/** @type {number} */ code, /** @type {string} */ stdout, /** @type {string} */ stderr) {
    this.code = code;
    this.stdout = stdout;
    this.stderr = stderr;
  }
}

/**
 * @typedef {{ env: Record<string, string | undefined>, cwd: string, readStdin: () => string }} Io
 * What a call sees of its process: its environment, its working directory and its standard input.
 */

/**
 * Answers one call of `tool` with `args` against `world`, which it changes as the real service would.
 * @param {any} world the World of tests/workflow-runner.ts
 * @param {string} tool
 * @param {string[]} args
 * @param {Io} io
 * @returns {{ code: number, stdout: string, stderr: string }}
 */
function answer(world, tool, args, io) {
  world.calls.push([tool, ...args]);
  /** `--name value` pairs of a command line (flags without a value map to "true"). */
  function options(/** @type {string[]} */ list) {
    /** @type {Record<string, string>} */
    const found = {};
    for (let i = 0; i < list.length; i++) {
      if (!list[i].startsWith("--")) continue;
      const next = list[i + 1];
      if (next === undefined || next.startsWith("--")) found[list[i].slice(2)] = "true";
      else found[list[i].slice(2)] = list[++i];
    }
    return found;
  }

  /** @returns {never} */
  function finish(/** @type {string} */ stdout, code = 0, stderr = "") {
    throw new Exit(code, stdout && (stdout.endsWith("\n") ? stdout : `${stdout}\n`), stderr && `${stderr}\n`);
  }

  /** @returns {never} */
  function fail(/** @type {string} */ message, code = 255) {
    return finish("", code, message);
  }

  function readInputJson(/** @type {string} */ value) {
    if (!value.startsWith("file://")) fail(`--cli-input-json must be file://…, got ${value}`);
    return JSON.parse(fs.readFileSync(path.resolve(io.cwd, value.slice("file://".length)), "utf8"));
  }

  function aws(/** @type {string[]} */ argv) {
    const [service, operation, ...rest] = argv;
    const opt = options(rest);
    const text = opt.output === "text";
    const key = `${service} ${operation}`;
    switch (key) {
      case "ecs describe-services": {
        const current = world.services[opt.services];
        if (!current) return finish(text ? "None" : JSON.stringify({ services: [] }));
        if (opt.query === "services[0].taskDefinition") return finish(current.taskDefinition);
        const deployment = /deployments\[\?taskDefinition=='(.+)'\] \| \[0\]\.rolloutState/.exec(opt.query ?? "");
        if (deployment) {
          if (!world.taskDefinitions[deployment[1]]) return finish("None");
          const state = current.rolloutState ?? "COMPLETED";
          // ECS's circuit breaker or alarms put the previous revision back when they fail a deployment.
          if (state === "FAILED" && current.ecsRollsBack && current.previous) current.taskDefinition = current.previous;
          if (current.deployment && state !== "IN_PROGRESS") current.deployment.status = state === "FAILED" ? "ROLLBACK_SUCCESSFUL" : "SUCCESSFUL";
          return finish(state);
        }
        return fail(`fake aws: unknown query for ${key}: ${opt.query}`);
      }
      case "ecs describe-task-definition": {
        // An ARN, or a family: its latest ACTIVE revision, as ECS answers.
        const family = Object.values(world.taskDefinitions)
          .filter((td) => td.family === opt["task-definition"] && td.status !== "INACTIVE")
          .sort((a, b) => b.revision - a.revision)[0];
        const definition = world.taskDefinitions[opt["task-definition"]] ?? family;
        if (!definition) return fail(`An error occurred (ClientException): Unable to describe task definition ${opt["task-definition"]}.`);
        if (opt.query === "taskDefinition.taskDefinitionArn") return finish(definition.taskDefinitionArn);
        if (opt.query !== "taskDefinition") return fail(`fake aws: unknown query for ${key}: ${opt.query}`);
        return finish(JSON.stringify(definition));
      }
      case "ecs register-task-definition": {
        const input = readInputJson(opt["cli-input-json"]);
        for (const readOnly of ["taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities", "registeredAt", "registeredBy"]) {
          if (readOnly in input) return fail(`Parameter validation failed: Unknown parameter in input: "${readOnly}"`);
        }
        const latest = Math.max(0, ...Object.values(world.taskDefinitions).filter((td) => td.family === input.family).map((td) => td.revision));
        const arn = `arn:aws:ecs:eu-west-1:123456789012:task-definition/${input.family}:${latest + 1}`;
        world.taskDefinitions[arn] = { ...input, taskDefinitionArn: arn, revision: latest + 1, status: "ACTIVE" };
        if (opt.query !== "taskDefinition.taskDefinitionArn") return fail(`fake aws: unknown query for ${key}: ${opt.query}`);
        return finish(arn);
      }
      case "ecs update-service": {
        const current = world.services[opt.service];
        if (!current) return fail(`An error occurred (ServiceNotFoundException): Service not found.`);
        if (!world.taskDefinitions[opt["task-definition"]]) return fail(`An error occurred (ClientException): TaskDefinition not found.`);
        current.previous = current.taskDefinition;
        current.taskDefinition = opt["task-definition"];
        // The deployment ECS starts, going through the lifecycle stages the world lists (one per look).
        world.deploymentCount = (world.deploymentCount ?? 0) + 1;
        current.deployment = {
          arn: `arn:aws:ecs:eu-west-1:123456789012:service-deployment/${opt.cluster}/${opt.service}/d${world.deploymentCount}`,
          status: "IN_PROGRESS",
          stages: [...(world.deploymentStages ?? ["SCALE_UP", "TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT"])],
        };
        return finish(JSON.stringify({ service: { serviceName: opt.service, taskDefinition: current.taskDefinition } }));
      }
      case "ecs wait": {
        const current = world.services[opt.services];
        if (current?.deployment?.status === "IN_PROGRESS") current.deployment.status = "SUCCESSFUL";
        return finish("");
      }
      case "ecs list-service-deployments": {
        const current = world.services[opt.service];
        if (!current) return fail("An error occurred (ServiceNotFoundException): Service not found.");
        if (opt.status !== "IN_PROGRESS" || opt.query !== "serviceDeployments[0].serviceDeploymentArn") return fail(`fake aws: unknown filter or query for ${key}`);
        return finish(current.deployment?.status === "IN_PROGRESS" ? current.deployment.arn : "None");
      }
      case "ecs describe-service-deployments": {
        const current = Object.values(world.services).find((service) => service.deployment?.arn === opt["service-deployment-arns"]);
        if (!current) return fail("An error occurred (InvalidParameterException): service deployment not found.");
        if (opt.query !== "serviceDeployments[0].lifecycleStage") return fail(`fake aws: unknown query for ${key}: ${opt.query}`);
        const { stages } = current.deployment;
        const stage = stages.length > 1 ? stages.shift() : stages[0];
        // A stage the world names ROLLED_BACK: ECS rolled the deployment back on its own (an alarm).
        if (stage === "ROLLED_BACK") {
          current.deployment.status = "ROLLBACK_SUCCESSFUL";
          current.rolloutState = "FAILED";
          current.taskDefinition = current.previous;
          return finish("CLEAN_UP");
        }
        return finish(stage);
      }
      case "ecs stop-service-deployment": {
        const current = Object.values(world.services).find((service) => service.deployment?.arn === opt["service-deployment-arn"]);
        if (!current) return fail("An error occurred (InvalidParameterException): service deployment not found.");
        if (current.deployment.status !== "IN_PROGRESS") return fail("An error occurred (InvalidParameterException): the service deployment is not in progress.");
        if (opt["stop-type"] !== "ROLLBACK") return fail(`fake aws: only ROLLBACK stops are made, got ${opt["stop-type"]}`);
        current.deployment.status = "ROLLBACK_SUCCESSFUL";
        current.taskDefinition = current.previous;
        return finish(JSON.stringify({ serviceDeploymentArn: current.deployment.arn }));
      }
      case "ecs run-task": {
        if (!world.taskDefinitions[opt["task-definition"]]) return fail(`An error occurred (ClientException): TaskDefinition not found.`);
        const network = JSON.parse(opt["network-configuration"]);
        if (!network.awsvpcConfiguration?.subnets?.length) return fail("An error occurred (InvalidParameterException): subnets can not be empty.");
        const arn = `arn:aws:ecs:eu-west-1:123456789012:task/${opt.cluster}/trial${Object.keys(world.tasks).length + 1}`;
        world.tasks[arn] = { taskDefinition: opt["task-definition"], exitCode: world.trialExitCode, ...(world.trialHangs ? { stopped: false } : {}) };
        if (opt.query !== "tasks[0].taskArn") return fail(`fake aws: unknown query for ${key}: ${opt.query}`);
        return finish(arn);
      }
      case "ecs describe-tasks": {
        const task = world.tasks[opt.tasks];
        if (!task) return fail("An error occurred (InvalidParameterException): task not found.");
        if (opt.query === "tasks[0].lastStatus") return finish(task.stopped === false ? "RUNNING" : "STOPPED");
        if (opt.query === "tasks[0].containers[0].exitCode") return finish(String(task.exitCode));
        return fail(`fake aws: unknown query for ${key}: ${opt.query}`);
      }
      case "ecs stop-task": {
        const task = world.tasks[opt.task];
        if (!task) return fail("An error occurred (InvalidParameterException): task not found.");
        task.stopped = true;
        task.stopReason = opt.reason;
        return finish("{}");
      }
      case "logs get-log-events":
        return finish("Traceback (most recent call last):\tValueError: no trips to score");
      case "scheduler get-schedule": {
        const schedule = world.schedules[`${opt["group-name"]}/${opt.name}`];
        if (!schedule) return fail(`An error occurred (ResourceNotFoundException): Schedule ${opt.name} does not exist.`);
        if (opt.query === "Target.EcsParameters.TaskDefinitionArn") return finish(schedule.Target.EcsParameters.TaskDefinitionArn);
        if (opt.query) return fail(`fake aws: unknown query for ${key}: ${opt.query}`);
        return finish(JSON.stringify(schedule));
      }
      case "scheduler update-schedule": {
        const input = readInputJson(opt["cli-input-json"]);
        for (const readOnly of ["Arn", "CreationDate", "LastModificationDate"]) {
          if (readOnly in input) return fail(`Parameter validation failed: Unknown parameter in input: "${readOnly}"`);
        }
        for (const required of ["Name", "ScheduleExpression", "FlexibleTimeWindow", "Target"]) {
          if (!(required in input)) return fail(`Parameter validation failed: Missing required parameter in input: "${required}"`);
        }
        const id = `${input.GroupName ?? "default"}/${input.Name}`;
        if (!world.schedules[id]) return fail(`An error occurred (ResourceNotFoundException): Schedule ${input.Name} does not exist.`);
        world.schedules[id] = { ...world.schedules[id], ...input };
        return finish(JSON.stringify({ ScheduleArn: world.schedules[id].Arn }));
      }
      case "s3 cp": {
        const [source, destination] = rest.filter((word) => !word.startsWith("--"));
        world.s3 = { ...world.s3, [destination]: source };
        return finish("");
      }
      case "s3 sync": {
        // The team's dashboards (sync-dashboards.sh): the folder becomes the prefix's whole content.
        const [source, destination] = rest.filter((word) => !word.startsWith("--"));
        if (!/^s3:\/\/[^/]+\/.+\/$/.test(destination ?? "")) return fail(`fake aws: s3 sync to "${destination}", not an s3://<bucket>/<prefix>/ URI`);
        world.s3 = { ...world.s3, [destination]: source };
        return finish("");
      }
      case "cloudwatch describe-alarms": {
        const after = rest.slice(rest.indexOf("--alarm-names") + 1);
        const end = after.findIndex((word) => word.startsWith("--"));
        const names = end === -1 ? after : after.slice(0, end);
        const firing = world.alarmsFiring.filter((/** @type {string} */ alarm) => names.includes(alarm));
        return finish(firing.join("\t"));
      }
      default:
        return fail(`fake aws: unsupported command ${key}`);
    }
  }

  function curl(/** @type {string[]} */ argv) {
    let method = "GET";
    let url = "";
    let body;
    for (let i = 0; i < argv.length; i++) {
      const word = argv[i];
      if (word === "-X") method = argv[++i];
      else if (word === "-d" || word === "--data") body = argv[++i];
      else if (["-H", "--max-time", "--retry", "--retry-delay", "-K", "--connect-to", "-o"].includes(word)) i++;
      else if (/^https?:\/\//.test(word)) url = word;
    }
    if (body !== undefined && method === "GET") method = "POST";
    const { pathname } = new URL(url);
    const answer = world.http[`${method} ${pathname}`];
    if (method === "POST" && pathname.endsWith("/registered-models/alias") && (!answer || answer.status < 400)) {
      const request = JSON.parse(body ?? "{}");
      world.registryAliases[request.alias] = request.version;
    }
    if (!answer) return finish("", 22, `curl: (22) The requested URL returned error: 404 (${method} ${pathname})`);
    if (answer.status >= 400) return finish("", 22, `curl: (22) The requested URL returned error: ${answer.status}`);
    return finish(typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body));
  }

  function docker(/** @type {string[]} */ argv) {
    if (argv.slice(0, 3).join(" ") !== "buildx imagetools create") return fail(`fake docker: unsupported command ${argv.join(" ")}`);
    const opt = options(argv.slice(3));
    const source = argv[argv.length - 1];
    world.promotedTags[opt.tag] = source;
    return finish("");
  }

  function pulumi(/** @type {string[]} */ argv) {
    const opt = options(argv);
    if (argv[0] === "preview") {
      if (!world.pulumi) return fail("fake pulumi: the world has no preview");
      if (!opt.json) return fail("fake pulumi: previews are read as --json");
      const code = world.pulumi.previewExitCode;
      return finish(JSON.stringify(world.pulumi.preview, null, 2), code, code === 0 ? "" : "error: preview failed");
    }
    if (argv[0] === "stack" && argv[1] === "export") {
      const state = world.pulumi?.states?.[opt.stack] ?? { version: 3, deployment: { manifest: {}, resources: [] } };
      fs.writeFileSync(path.resolve(io.cwd, opt.file), JSON.stringify(state));
      world.pulumi = { ...world.pulumi, exports: [...(world.pulumi?.exports ?? []), opt.stack] };
      return finish("");
    }
    if (argv[0] === "up") {
      // Every `--config key=value` of the run, in order: `options` keeps only the last of a repeated flag.
      const config = argv.flatMap((word, index) => (argv[index - 1] === "--config" ? [word] : []));
      world.pulumi = { ...world.pulumi, updates: [...(world.pulumi?.updates ?? []), { stack: opt.stack, config }] };
      // What the program reports once the update applied (a test's stand-in for the program).
      if (world.pulumi.outputsAfterUp !== undefined) world.pulumi = { ...world.pulumi, outputs: world.pulumi.outputsAfterUp };
      return finish("Resources: 0 changed");
    }
    if (argv[0] === "stack" && argv[1] === "select") {
      if (!(world.pulumi?.stacks ?? []).includes(opt.stack)) return fail(`error: no stack named '${opt.stack}' found`);
      return finish("");
    }
    if (argv[0] === "stack" && argv[1] === "init") {
      const name = argv[2];
      if ((world.pulumi?.stacks ?? []).includes(name)) return fail(`error: stack '${name}' already exists`);
      world.pulumi = { ...world.pulumi, stacks: [...(world.pulumi?.stacks ?? []), name], secretsProviders: { ...world.pulumi?.secretsProviders, [name]: opt["secrets-provider"] } };
      return finish(`Created stack '${name}'`);
    }
    if (argv[0] === "state" && argv[1] === "move") {
      const urns = argv.slice(2).filter((word, index, all) => !word.startsWith("--") && !["--source", "--dest"].includes(all[index - 1]));
      world.pulumi = { ...world.pulumi, moved: [...(world.pulumi?.moved ?? []), { from: opt.source, to: opt.dest, urns }] };
      return finish("");
    }
    if (argv[0] === "stack" && argv[1] === "output") {
      const outputs = /** @type {Record<string, unknown>} */ (world.pulumi?.outputs ?? {});
      const [name] = argv.slice(2).filter((word, index, all) => !word.startsWith("--") && all[index - 1] !== "--stack");
      if (name === undefined) return finish(JSON.stringify(outputs));
      if (!(name in outputs)) return fail(`error: current stack does not have output property '${name}'`);
      return finish(JSON.stringify(outputs[name]));
    }
    if (argv[0] === "config" && argv[1] === "set") {
      const positional = argv.slice(2).filter((word, index, all) => !word.startsWith("--") && all[index - 1] !== "--stack");
      if (positional.length !== 1) return fail("fake pulumi: config values are read from standard input here, never from the command line");
      world.pulumi = { ...world.pulumi, secrets: { ...world.pulumi?.secrets, [positional[0]]: io.readStdin() } };
      return finish("");
    }
    return fail(`fake pulumi: unsupported command ${argv.join(" ")}`);
  }

  /** Answers `--jq <filter>` as gh does: each result on its own line, strings bare. */
  function ghAnswer(/** @type {unknown} */ body, /** @type {string | undefined} */ filter) {
    if (!filter) return finish(JSON.stringify(body));
    const filtered = spawnSync("jq", ["-rc", filter], { input: JSON.stringify(body), encoding: "utf8" });
    if (filtered.status !== 0) return fail(`fake gh: jq failed: ${filtered.stderr}`, 1);
    return finish(filtered.stdout);
  }

  /**
   * `gh api`: a run attempt's jobs, a commit's deployments of an environment and their statuses
   * (`--paginate`, one page), and one issue; each answered from the world, or 404.
   */
  function ghApi(/** @type {string[]} */ argv) {
    // `--paginate` takes no value, so the generic option reader does not fit.
    const endpoint = argv.find((word) => word.startsWith("repos/")) ?? "";
    const filter = argv.includes("--jq") ? argv[argv.indexOf("--jq") + 1] : undefined;
    const notFound = () => fail(`gh: Not Found (HTTP 404)`, 1);
    const jobsPath = /^repos\/[^/]+\/[^/]+\/actions\/runs\/(\d+)\/attempts\/(\d+)\/jobs\?per_page=100$/.exec(endpoint);
    const deploymentsPath = /^repos\/[^/]+\/[^/]+\/deployments\?sha=([0-9a-f]{40})&environment=([a-z]+)&per_page=100$/.exec(endpoint);
    const statusesPath = /^repos\/[^/]+\/[^/]+\/deployments\/(\d+)\/statuses\?per_page=100$/.exec(endpoint);
    const issuePath = /^repos\/[^/]+\/[^/]+\/issues\/(\d+)$/.exec(endpoint);
    if ((jobsPath || deploymentsPath || statusesPath) && !argv.includes("--paginate")) return fail(`fake gh: a list read without --paginate: ${argv.join(" ")}`);
    if (jobsPath) {
      const jobs = (world.runJobs ?? {})[`${jobsPath[1]}/${jobsPath[2]}`];
      return jobs ? ghAnswer({ total_count: jobs.length, jobs }, filter) : notFound();
    }
    /** @type {{ id: number, sha: string, environment: string, statuses: unknown[] }[]} */
    const deployments = world.deployments ?? [];
    if (deploymentsPath) {
      return ghAnswer(deployments.filter((deployment) => deployment.sha === deploymentsPath[1] && deployment.environment === deploymentsPath[2]), filter);
    }
    if (statusesPath) {
      const deployment = deployments.find((candidate) => candidate.id === Number(statusesPath[1]));
      return deployment ? ghAnswer(deployment.statuses, filter) : notFound();
    }
    if (issuePath) {
      const issue = (world.apiIssues ?? {})[issuePath[1]];
      return issue ? ghAnswer(issue, filter) : notFound();
    }
    return fail(`fake gh: unsupported api call ${argv.join(" ")}`);
  }

  /** `gh workflow run <file> --ref <branch> -f <input>=<value>`: recorded in `world.dispatches`. */
  function ghWorkflowRun(/** @type {string[]} */ argv) {
    const [file, ...rest] = argv;
    /** @type {Record<string, string>} */
    const inputs = {};
    let ref;
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === "--ref") ref = rest[++i];
      else if (rest[i] === "-f") {
        const [key, ...value] = rest[++i].split("=");
        inputs[key] = value.join("=");
      } else return fail(`fake gh: unsupported workflow run argument ${rest[i]}`);
    }
    if (!io.env.GH_TOKEN || !io.env.GH_REPO) return fail("gh: no GH_TOKEN or GH_REPO: cannot tell which repository", 4);
    world.dispatches = [...(world.dispatches ?? []), { repository: io.env.GH_REPO, workflow: file, ref, inputs }];
    return finish("");
  }

  function gh(/** @type {string[]} */ argv) {
    if (argv[0] === "api") return ghApi(argv.slice(1));
    if (argv.slice(0, 2).join(" ") === "workflow run") return ghWorkflowRun(argv.slice(2));
    if (argv.slice(0, 2).join(" ") !== "run list") return fail(`fake gh: unsupported command ${argv.join(" ")}`);
    const opt = options(argv);
    if (opt.workflow !== "up.yml" || opt.json !== "status") return fail(`fake gh: unsupported run list ${argv.join(" ")}`);
    // What the step's --jq asks for: the runs not completed.
    return finish(String((world.updateRuns ?? []).filter((/** @type {string} */ status) => status !== "completed").length));
  }

  try {
    if (tool === "aws") aws(args);
    else if (tool === "gh") gh(args);
    else if (tool === "pulumi") pulumi(args);
    else if (tool === "curl") curl(args);
    else if (tool === "docker") docker(args);
    else fail(`fake-cli: unknown tool ${tool}`);
    return finish("");
  } catch (exit) {
    if (exit instanceof Exit) return { code: exit.code, stdout: exit.stdout, stderr: exit.stderr };
    throw exit;
  }
}

/** One call as its own process: the world in the file $FAKE_WORLD names, written back however the call ends. */
function main() {
  const [tool, ...args] = process.argv.slice(2);
  const worldFile = /** @type {string} */ (process.env.FAKE_WORLD);
  const world = JSON.parse(fs.readFileSync(worldFile, "utf8"));
  const result = answer(world, tool, args, { env: process.env, cwd: process.cwd(), readStdin: () => fs.readFileSync(0, "utf8") });
  fs.writeFileSync(worldFile, JSON.stringify(world));
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  process.exitCode = result.code;
}

if (require.main === module) main();

module.exports = { answer };
