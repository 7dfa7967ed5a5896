/**
 * Every stack configuration key the program reads, in one table: each key's type, default, rule
 * and documentation in one entry. `Pulumi.yaml`'s `config:` block is rendered from it
 * (`npm run gen:pulumi-yaml`, checked by a test), `infra/config.ts` reads and checks exactly these
 * keys in one loop, and offline synth uses it to know which keys are secrets and what stands in
 * for them. Rules that span several keys are named functions in `infra/config-rules.ts`.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/projects/project-file/#config-options
 */
import { CANARY_BAKE_MINUTES } from "../contracts/canary";
import { REQUIRED_STATUS_CHECKS } from "../contracts/github";
import { qualifiedKey } from "../contracts/project";
import { ENVIRONMENT_NAMES, EnvironmentProfile, isEnvironmentName } from "./environments";
import {
  awsAccessKeyIdProblems,
  awsRegionProblems,
  awsSecretAccessKeyProblems,
  branchNameProblems,
  buildContextProblems,
  calendarDateProblems,
  certificateArnProblems,
  codeownerProblems,
  commandProblems,
  dbInstanceClassProblems,
  dependencyFileProblems,
  githubLoginProblems,
  hostNameProblems,
  httpsUrlProblems,
  integerRangeProblems,
  logRetentionProblems,
  mlflowModelNameProblems,
  nonNegativeDecimalProblems,
  oidcProviderArnProblems,
  positiveDecimalProblems,
  relativePathProblems,
  repositoryNameProblems,
  repositoryPathProblems,
  restoreSourceProblems,
  restoreTimeProblems,
  shareProblems,
  snapshotIdentifierProblems,
  statusCheckProblems,
  teamSlugProblems,
  vpcCidrProblems,
  workingDirectoryProblems,
} from "./validation";

/** The types Pulumi's project-level config schema supports, and what each reads as. */
export interface ConfigValueTypes {
  readonly string: string;
  readonly integer: number;
  readonly boolean: boolean;
  readonly array: readonly string[];
}
export type ConfigValueType = keyof ConfigValueTypes;

export type ConfigDefault = ConfigValueTypes[ConfigValueType];

/** What a key's own rule may know besides its value: the profile of the stack's `environment`. */
export interface CheckContext {
  readonly profile: EnvironmentProfile | undefined;
}

interface KeySpec<T extends ConfigValueType> {
  /** `repository` for a project key, `github:owner` for a provider key. */
  readonly key: string;
  readonly type: T;
  readonly description: string;
  /** Absent for a required key (and for an optional one, see `optional`). */
  readonly default?: ConfigValueTypes[T];
  /**
   * The key may stay unset, and then reads as `undefined`. Pulumi needs a default for any key a
   * stack may leave out, so `Pulumi.yaml` declares the type's empty value (`""`, `0`), which the
   * program reads as unset too. Pulumi applies project defaults as plain values, so a key that is
   * both optional and secret is checked to be encrypted by `infra/config.ts` instead of the CLI.
   */
  readonly optional?: true;
  /**
   * Operator secrets: values nobody can generate or derive. `required` keys are declared
   * `secret: true` in Pulumi.yaml so the CLI refuses a plain-text value; `optional` ones are
   * checked by `infra/config.ts` instead (see `optional`).
   */
  readonly secret?: "required" | "optional";
  /**
   * What offline synth uses in place of an encrypted or missing secret: shaped like a real value so
   * validation still runs, and under `.invalid` or visibly fake so it can never work anywhere.
   */
  readonly placeholder?: string;
  /**
   * For optional secrets: the boolean key under which leaving this one unset deserves a warning in
   * synth's summary (a feature is then skipped).
   */
  readonly warnUnsetWhen?: string;
  /**
   * The key's own rule: what is wrong with a set value, each problem a phrase that follows the
   * key's name (`must be …, got …`). Never quotes a secret's value.
   */
  readonly check?: (value: ConfigValueTypes[T], context: CheckContext) => readonly string[];
}

export type ConfigKeySpec = { [T in ConfigValueType]: KeySpec<T> }[ConfigValueType];

/**
 * The longest load test: half the canary bake, which leaves the other half for the new revision's
 * tasks to take the test route before it and for the report after it.
 */
const MAX_LOAD_TEST_SECONDS = (CANARY_BAKE_MINUTES * 60) / 2;

/** A check the platform already requires, or one named twice, would add nothing. */
function duplicateCheckProblems(checks: readonly string[]): string[] {
  const platform = checks.filter((check) => REQUIRED_STATUS_CHECKS.includes(check));
  const twice = checks.filter((check, index) => checks.indexOf(check) !== index);
  return [
    ...platform.map((check) => `names "${check}", which the platform always requires: remove it`),
    ...[...new Set(twice)].map((check) => `names "${check}" twice`),
  ];
}

/** A file named twice would be installed twice. */
function duplicatePathProblems(paths: readonly string[]): string[] {
  const twice = paths.filter((item, index) => paths.indexOf(item) !== index);
  return [...new Set(twice)].map((item) => `names "${item}" twice`);
}

/** Each item of a list through one rule. */
const eachItem =
  (rule: (item: string) => readonly string[]) =>
  (items: readonly string[]): readonly string[] =>
    items.flatMap(rule);

const TABLE = Object.freeze([
  {
    key: "github:owner",
    type: "string",
    description:
      "The GitHub organization or user that owns the application repository. Required: without it the GitHub provider silently targets the token's personal account.",
    check: (owner) => githubLoginProblems(owner, "user or organization"),
  },
  {
    key: "environment",
    type: "string",
    description:
      "The deployment environment this stack manages: `staging` or `production`. It selects the GitHub environment, its protection rules and its variable prefix.",
    check: (name) =>
      isEnvironmentName(name) ? [] : [`is "${name}", which this program does not know. Choose one of: ${ENVIRONMENT_NAMES.join(", ")}`],
  },
  {
    key: "repository",
    type: "string",
    description: "Name of the application repository (without the owner) that receives the settings and workflow files.",
    check: (name) => repositoryNameProblems(name),
  },
  {
    key: "defaultBranch",
    type: "string",
    description: "The application repository's default branch: protected, and where the program commits its files.",
    default: "main",
    check: (branch) => branchNameProblems(branch),
  },
  {
    key: "manageRepositorySettings",
    type: "boolean",
    description:
      "Whether this stack owns the repository-wide settings (protection of the default branch, labels, repository secrets, committed files). Exactly one stack per repository sets it to true; see docs/decisions/0001-stack-ownership.md.",
    default: false,
  },
  {
    key: "platformAppId",
    type: "integer",
    description:
      "App ID of the GitHub App this program runs as. It is the only actor allowed to bypass the default branch's ruleset, so it can commit the files it manages. Required when `manageRepositorySettings` is true.",
    optional: true,
    check: (id) => (id > 0 ? [] : [`must be a GitHub App ID (a positive number), got ${id}`]),
  },
  {
    key: "reviewerUsers",
    type: "array",
    description: "GitHub logins required to approve deployments to this stack's environment. Production needs at least one reviewer (user or team).",
    default: [],
    check: eachItem((login) => githubLoginProblems(login, "user")),
  },
  {
    key: "reviewerTeams",
    type: "array",
    description: "Team slugs (in `github:owner`) required to approve deployments to this stack's environment.",
    default: [],
    check: eachItem(teamSlugProblems),
  },
  {
    key: "requiredApprovingReviews",
    type: "integer",
    description: "Approving pull-request reviews required before merging into the default branch (1 to 10).",
    default: 1,
    check: (count) => integerRangeProblems(count, 1, 10),
  },
  {
    key: "codeowners",
    type: "array",
    description:
      "Owners of every path in the application repository, written to `.github/CODEOWNERS`: `@user`, `@org/team` or an e-mail address. Required when `manageRepositorySettings` is true.",
    default: [],
    check: eachItem(codeownerProblems),
  },
  {
    key: "additionalRequiredChecks",
    type: "array",
    description:
      "Check runs of the application team's own workflows that must also pass before a merge into the default branch, as GitHub names them (a job's name; `build (3.11)` for a matrix leg). The platform's checks (lint, test (3.11), validate-notebooks, security-scan) are always required: this list only adds to them. Used when `manageRepositorySettings` is true.",
    default: [],
    check: (checks) => [...eachItem(statusCheckProblems)(checks), ...duplicateCheckProblems(checks)],
  },
  {
    key: "apiUrl",
    type: "string",
    description: "HTTPS URL of this environment's model API; published as `<PREFIX>_API_URL` and used as the environment URL.",
    check: (url) => httpsUrlProblems(url),
  },
  {
    key: "slackWebhookUrl",
    type: "string",
    description:
      "Slack incoming-webhook URL for pipeline notifications, published as the repository secret `SLACK_WEBHOOK_URL`. Optional: unset, notifications are skipped. Set it with `pulumi config set --secret`.",
    optional: true,
    secret: "optional",
    placeholder: "https://hooks.slack.com/services/SYNTH/PLACEHOLDER/invalid",
    warnUnsetWhen: "manageRepositorySettings",
    check: (url) => httpsUrlProblems(url, { secret: true }),
  },
  {
    key: "allowLongLivedAwsKeys",
    type: "boolean",
    description:
      "Opt-in to publishing long-lived AWS keys as environment secrets. Off by default: workflows assume an AWS role through GitHub OIDC instead.",
    default: false,
  },
  {
    key: "awsAccessKeyId",
    type: "string",
    description: "AWS access key ID published as `AWS_ACCESS_KEY_ID`; only with `allowLongLivedAwsKeys`. Set it with `pulumi config set --secret`.",
    optional: true,
    secret: "optional",
    placeholder: "AKIASYNTHPLACEHOLDER",
    check: (id) => awsAccessKeyIdProblems(id),
  },
  {
    key: "awsSecretAccessKey",
    type: "string",
    description: "AWS secret access key published as `AWS_SECRET_ACCESS_KEY`; only with `allowLongLivedAwsKeys`. Set it with `pulumi config set --secret`.",
    optional: true,
    secret: "optional",
    placeholder: "synthPlaceholderSecretAccessKeyNotReal00",
    check: (key) => awsSecretAccessKeyProblems(key),
  },
  {
    key: "dependabotPipDirectories",
    type: "array",
    description: "Directories of the application repository with Python requirements that Dependabot keeps up to date.",
    default: ["/"],
    check: eachItem(repositoryPathProblems),
  },
  {
    key: "dependabotDockerDirectories",
    type: "array",
    description: "Directories of the application repository with Dockerfiles that Dependabot keeps up to date.",
    default: ["/04-deployment/web-services"],
    check: eachItem(repositoryPathProblems),
  },
  // The runtime on AWS.
  {
    key: "awsRegion",
    type: "string",
    description: "AWS region of this stack's runtime (network, database, services).",
    check: (region) => awsRegionProblems(region),
  },
  {
    key: "vpcCidr",
    type: "string",
    description: "IPv4 CIDR block of the stack's VPC, /16 to /20; subnets are carved from it per availability zone.",
    default: "10.20.0.0/16",
    check: (cidr) => vpcCidrProblems(cidr),
  },
  {
    key: "availabilityZoneCount",
    type: "integer",
    description: "Availability zones the network spans (2 or 3); the database and the load balancer need at least 2.",
    default: 2,
    check: (count) => integerRangeProblems(count, 2, 3),
  },
  {
    key: "dataProtection",
    type: "boolean",
    description:
      "Production-grade protection of data-bearing resources: Multi-AZ database, deletion protection, Pulumi `protect`, a final snapshot, one NAT gateway per zone. Required for production.",
    default: false,
  },
  {
    key: "dbInstanceClass",
    type: "string",
    description: "RDS instance class of the PostgreSQL database (mlflow and metrics).",
    default: "db.t4g.micro",
    check: (instanceClass) => dbInstanceClassProblems(instanceClass),
  },
  {
    key: "dbAllocatedStorageGb",
    type: "integer",
    description: "Initial storage of the database in GiB (20 to 65536); storage autoscaling grows it up to 5 times this.",
    default: 20,
    check: (gb) => integerRangeProblems(gb, 20, 65536),
  },
  {
    key: "dbBackupRetentionDays",
    type: "integer",
    description: "Days of automated backups and point-in-time recovery (at least 7; at least 14 in production; at most 35).",
    default: 7,
    check: (days, { profile }) => integerRangeProblems(days, profile?.minBackupRetentionDays ?? 7, 35),
  },
  {
    key: "dbSnapshotIdentifier",
    type: "string",
    description:
      "Disaster recovery: create the database from this RDS snapshot (identifier or ARN, in `awsRegion`) instead of empty. Excludes `dbRestoreSource`. Ignored once the database exists; leave empty otherwise. See docs/disaster-recovery.md.",
    optional: true,
    check: (snapshot) => snapshotIdentifierProblems(snapshot),
  },
  {
    key: "dbRestoreSource",
    type: "string",
    description:
      "Disaster recovery: create the database restored to a point in time (`dbRestoreTime`) from automated backups instead of empty. Either the source instance's identifier (the instance still exists), its resource ID `db-…` (it was deleted and its backups retained), or the ARN of its backups replicated to this region (`arn:aws:rds:<region>:<account>:auto-backup:ab-…`). Excludes `dbSnapshotIdentifier`. Ignored once the database exists; leave empty otherwise.",
    optional: true,
    check: (source) => restoreSourceProblems(source),
  },
  {
    key: "dbRestoreTime",
    type: "string",
    description:
      "With `dbRestoreSource`: the UTC time to restore to (e.g. 2025-03-14T09:26:53Z), or `latest` for the latest restorable time (normally within the last five minutes).",
    optional: true,
    check: (time) => restoreTimeProblems(time),
  },
  {
    key: "recoveryRegion",
    type: "string",
    description:
      "AWS region that keeps this stack's recovery copies: a replica of the MLflow artifact bucket and the database's automated backups. Must differ from `awsRegion`. Required when `dataProtection` is true; empty: no copies.",
    optional: true,
    check: (region) => awsRegionProblems(region),
  },
  // Credential rotation (docs/decisions/0004-credential-rotation.md). The period is the stack's
  // schedule; the generation and its date are what one rotation run passes with `--config`.
  {
    key: "credentialRotationDays",
    type: "integer",
    description:
      "Days between rotations of the generated database passwords (7 to 365). The rotation workflow rotates a stack once its last rotation is this old; the credential it replaces stays valid for one more period, so running tasks keep working until they are redeployed.",
    default: 90,
    check: (days) => integerRangeProblems(days, 7, 365),
  },
  {
    key: "credentialGeneration",
    type: "integer",
    description:
      "Set only for one `pulumi up` by the rotation workflow (`--config`), never in a stack file: the credential generation this run makes current, one more than the stack output `credentialRotation.generation`. With `credentialRotatedOn`. Unset: no rotation, the generated passwords stay as they are.",
    optional: true,
    check: (generation) => integerRangeProblems(generation, 1, 1_000_000),
  },
  {
    key: "credentialRotatedOn",
    type: "string",
    description: "With `credentialGeneration`: the UTC date of that rotation (e.g. 2026-03-14), recorded with the new passwords so the next rotation knows when it is due.",
    optional: true,
    check: (date) => calendarDateProblems(date),
  },
  {
    key: "githubOidcProviderArn",
    type: "string",
    description:
      "ARN of the account's existing IAM OIDC provider for token.actions.githubusercontent.com. Empty: this stack creates it (an account holds only one, so the second stack in an account must name it here).",
    optional: true,
    check: (arn) => oidcProviderArnProblems(arn),
  },
  {
    key: "certificateArn",
    type: "string",
    description: "ARN of the ACM certificate the load balancer serves HTTPS with; it must cover `mlflowHostname` and `grafanaHostname`.",
    check: (arn) => certificateArnProblems(arn),
  },
  {
    key: "mlflowHostname",
    type: "string",
    description:
      "Host name of this stack's MLflow server behind the load balancer. On the stack that manages repository settings, https://<it> is published as the repository secret `MLFLOW_TRACKING_URI`.",
    check: (host) => hostNameProblems(host),
  },
  {
    key: "grafanaHostname",
    type: "string",
    description: "Host name of this stack's Grafana behind the load balancer.",
    check: (host) => hostNameProblems(host),
  },
  {
    key: "serviceDesiredCount",
    type: "integer",
    description: "Tasks per platform service (MLflow, Grafana): 1 to 10; 2 or more spreads them over zones.",
    default: 1,
    check: (count) => integerRangeProblems(count, 1, 10),
  },
  {
    key: "logRetentionDays",
    type: "integer",
    description: "Days the services' CloudWatch logs are kept (a value CloudWatch accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, …).",
    default: 30,
    check: (days) => logRetentionProblems(days),
  },
  {
    key: "ghcrUsername",
    type: "string",
    description: "The GitHub account that pushes the platform's images to GHCR and that ECS pulls them as. Empty: `github:owner`.",
    optional: true,
    check: (login) => githubLoginProblems(login, "user"),
  },
  {
    key: "ghcrToken",
    type: "string",
    description:
      "A GitHub token of `ghcrUsername` with `write:packages`: `pulumi up` pushes the platform's images with it. Set it with `pulumi config set --secret`.",
    secret: "required",
    placeholder: "ghp_synthPlaceholderNotARealToken000000000",
  },
  {
    key: "ghcrPullToken",
    type: "string",
    description:
      "A GitHub token of `ghcrUsername` with `read:packages` only: ECS pulls the images with it, from Secrets Manager, so what the tasks' " +
      "execution roles can read cannot publish a package. Set it with `pulumi config set --secret`.",
    secret: "required",
    placeholder: "ghp_synthPlaceholderReadOnlyToken00000000",
  },
  // The application repository's layout and commands: what the rendered workflows run. Defaults
  // follow the spec's repository layout; each command gets its inputs as environment variables,
  // listed in docs/workflows.md.
  {
    key: "appRequirementsFiles",
    type: "array",
    description:
      "What the unit tests, the integration tests and the linters install, in order: pip requirements files, or a `Pipfile.lock` (installed from the lock; its Pipfile must be beside it). pip-audit audits these and the two lists below. Empty: nothing of the application's is installed.",
    default: ["requirements.txt"],
    check: (files) => [...eachItem(dependencyFileProblems)(files), ...duplicatePathProblems(files)],
  },
  {
    key: "appTrainRequirementsFiles",
    type: "array",
    description: "What the training command installs, in the forms `appRequirementsFiles` takes: a repository with a requirements file per module names the training module's here.",
    default: ["requirements.txt"],
    check: (files) => [...eachItem(dependencyFileProblems)(files), ...duplicatePathProblems(files)],
  },
  {
    key: "appDriftRequirementsFiles",
    type: "array",
    description: "What the drift calculation installs, in the forms `appRequirementsFiles` takes.",
    default: ["requirements.txt"],
    check: (files) => [...eachItem(dependencyFileProblems)(files), ...duplicatePathProblems(files)],
  },
  {
    key: "appLintPaths",
    type: "array",
    description: "Paths of the application checked by Black, isort, Flake8 and Pylint.",
    default: ["."],
    check: eachItem(relativePathProblems),
  },
  {
    key: "appTestCommand",
    type: "string",
    description: "The application's unit-test command, run on Python 3.9, 3.10 and 3.11.",
    default: "python -m pytest tests/ -v",
    check: (command) => commandProblems(command),
  },
  {
    key: "appIntegrationTestCommand",
    type: "string",
    description: "The application's integration-test command, run against a PostgreSQL service container (PG* variables set).",
    default: "python -m pytest integration-tests/ -v",
    check: (command) => commandProblems(command),
  },
  {
    key: "appTestWorkingDirectory",
    type: "string",
    description: "Directory the unit and the integration tests run in: `.` (the repository root) or a relative path.",
    default: ".",
    check: (directory) => workingDirectoryProblems(directory),
  },
  {
    key: "appTrainCommand",
    type: "string",
    description:
      "The application's training command. Gets MODEL_TYPE, DATA_MONTH, DATA_FILE, EXPERIMENT_NAME, MLFLOW_TRACKING_URI and OUTPUT_DIR; writes the model and OUTPUT_DIR/training.json.",
    default: "python 03-orchestration/train.py",
    check: (command) => commandProblems(command),
  },
  {
    key: "appTrainWorkingDirectory",
    type: "string",
    description:
      "Directory the training command runs in, for a script that reads its files relative to its module (`03-orchestration`). DATA_FILE and OUTPUT_DIR are then given relative to it.",
    default: ".",
    check: (directory) => workingDirectoryProblems(directory),
  },
  {
    key: "appDriftCommand",
    type: "string",
    description:
      "The application's drift calculation. Gets MODEL_NAME, MLFLOW_TRACKING_URI and OUTPUT_FILE; writes the metrics JSON to OUTPUT_FILE.",
    default: "python 05-monitoring/evidently_metrics_calculation.py",
    check: (command) => commandProblems(command),
  },
  {
    key: "appDriftWorkingDirectory",
    type: "string",
    description:
      "Directory the drift calculation runs in, for a script that reads its reference data and model relative to its module (`05-monitoring`). OUTPUT_FILE is then given relative to it.",
    default: ".",
    check: (directory) => workingDirectoryProblems(directory),
  },
  {
    key: "appWebServiceDirectory",
    type: "string",
    description:
      "Docker build context of the model web service (holds its Dockerfile). Empty (\"\"): the repository builds no image for it, and neither ci-cd nor deploy-service deploys it.",
    default: "04-deployment/web-services",
    check: (path) => buildContextProblems(path),
  },
  {
    key: "appBatchDirectory",
    type: "string",
    description: "Docker build context of the batch scoring job (holds its Dockerfile). Empty (\"\"): no image, and deploy-service does not offer `batch`.",
    default: "04-deployment/batch",
    check: (path) => buildContextProblems(path),
  },
  {
    key: "appMlflowServiceDirectory",
    type: "string",
    description:
      "Docker build context of the MLflow model server (holds its Dockerfile). Empty (\"\"): no image, and deploy-service does not offer `mlflow-service`.",
    default: "04-deployment/web-service-mlflow",
    check: (path) => buildContextProblems(path),
  },
  {
    key: "appDashboardsDirectory",
    type: "string",
    description:
      "The application's Grafana dashboards: every `*.json` file under it is checked on pull requests and loaded into each environment's Grafana " +
      "(folder Application) by ci-cd's deploy jobs. A missing directory means no dashboards of the team's own.",
    default: "05-monitoring/dashboards",
    check: (path) => relativePathProblems(path),
  },
  {
    key: "appDataUrlTemplate",
    type: "string",
    description: "Where training data for a month is downloaded from; `{month}` becomes YYYY-MM.",
    default: "https://d37ci6vzurychx.cloudfront.net/trip-data/green_tripdata_{month}.parquet",
    check: (template) => [
      ...httpsUrlProblems(template.replace("{month}", "2021-01")),
      ...(template.includes("{month}") ? [] : ['must contain "{month}", where the YYYY-MM month goes']),
    ],
  },
  {
    key: "appHealthCheckPath",
    type: "string",
    description: "Path of the model web service that answers 200 when it is healthy; the load balancer and the canary watch it.",
    default: "/health",
    check: (path) => (/^\/[A-Za-z0-9._~/-]*$/.test(path) ? [] : [`must be a URL path starting with "/", got "${path}"`]),
  },
  {
    key: "modelName",
    type: "string",
    description: "Name of the model in the MLflow Model Registry.",
    default: "nyc-taxi-trip-duration",
    check: (name) => mlflowModelNameProblems(name),
  },
  {
    key: "modelMaxRmse",
    type: "string",
    description: "Model validation gate: the largest validation RMSE (minutes) a trained model may have and still ship.",
    default: "10.0",
    check: (rmse) => positiveDecimalProblems(rmse),
  },
  // The load test of a routed service's new revision in production (deploy-service, docs/deploy.md).
  // The stack that renders the workflows (`manageRepositorySettings`) sets what they run.
  {
    key: "loadTestConcurrency",
    type: "integer",
    description: "Concurrent clients of deploy-service's production load test, each sending one prediction request at a time (1 to 200).",
    default: 10,
    check: (clients) => integerRangeProblems(clients, 1, 200),
  },
  {
    key: "loadTestDurationSeconds",
    type: "integer",
    description: `Seconds the production load test sends requests (10 to ${MAX_LOAD_TEST_SECONDS}): it runs during the ${CANARY_BAKE_MINUTES}-minute canary bake and must end, with the wait for the test route, before ECS shifts the rest of the traffic.`,
    default: 60,
    check: (seconds) => integerRangeProblems(seconds, 10, MAX_LOAD_TEST_SECONDS),
  },
  {
    key: "loadTestMaxP95Ms",
    type: "integer",
    description: "The production load test fails, and the deployment rolls back, when the new revision's p95 latency exceeds this many milliseconds (1 to 60000).",
    default: 1000,
    check: (ms) => integerRangeProblems(ms, 1, 60000),
  },
  {
    key: "loadTestMaxP99Ms",
    type: "integer",
    description: "Likewise for the p99 latency, in milliseconds (1 to 60000, at least `loadTestMaxP95Ms`).",
    default: 2000,
    check: (ms) => integerRangeProblems(ms, 1, 60000),
  },
  {
    key: "loadTestMaxErrorRate",
    type: "string",
    description: "Likewise for the share of failed requests (answers other than 2xx, and requests without an answer), 0 to 1: 0.01 is 1%.",
    default: "0.01",
    check: (share) => shareProblems(share),
  },
  {
    key: "loadTestMinThroughput",
    type: "string",
    description: "Likewise when the new revision answers fewer successful requests per second than this (a decimal number, 0 or more).",
    default: "5",
    check: (rate) => nonNegativeDecimalProblems(rate),
  },
] as const satisfies readonly ConfigKeySpec[]);

/** The table, each entry seen through the common shape (the literal types serve `ConfigKey`). */
export const CONFIG_KEYS: readonly (ConfigKeySpec & { readonly key: ConfigKey })[] = TABLE;

/**
 * The default `Pulumi.yaml` declares: the key's own, or for an optional key its type's empty value
 * (which the program reads as unset). Undefined for a required key.
 */
export function declaredDefault(spec: ConfigKeySpec): ConfigDefault | undefined {
  if (spec.default !== undefined || !spec.optional) return spec.default;
  switch (spec.type) {
    case "string":
      return "";
    case "integer":
      return 0;
    default:
      // A list or a flag always has a meaningful default of its own.
      throw new Error(`config key ${spec.key}: an optional ${spec.type} key needs a default instead`);
  }
}

export function findConfigKey(qualified: string): ConfigKeySpec | undefined {
  return CONFIG_KEYS.find((spec) => qualifiedKey(spec.key) === qualified);
}

type Table = (typeof TABLE)[number];
/** Every key the program reads: a typo is a compile error, not an unset value. */
export type ConfigKey = Table["key"];
type SpecFor<K extends ConfigKey> = Extract<Table, { readonly key: K }>;
/** What `key` reads as once its type is checked. */
export type ConfigValue<K extends ConfigKey> = ConfigValueTypes[SpecFor<K>["type"]];
/** Keys that may stay unset: they read as `ConfigValue<K> | undefined` even when valid. */
export type OptionalConfigKey = Extract<Table, { readonly optional: true }>["key"];
/** Keys that always have a value once validated: required ones and those with a default. */
export type RequiredConfigKey = Exclude<ConfigKey, OptionalConfigKey>;
