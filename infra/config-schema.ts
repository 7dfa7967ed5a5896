/**
 * Every stack configuration key the program reads, in one table. `Pulumi.yaml`'s `config:` block is
 * rendered from it (`npm run gen:pulumi-yaml`, checked by a test), `infra/config.ts` reads exactly
 * these keys, and offline synth uses it to know which keys are secrets and what stands in for them.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/projects/project-file/#config-options
 */
import { PROJECT_NAME, qualifiedKey } from "../contracts/project";

export { PROJECT_NAME, qualifiedKey };

/** The types Pulumi's project-level config schema supports. */
export type ConfigValueType = "string" | "integer" | "boolean" | "array";

export type ConfigDefault = string | number | boolean | readonly string[];

export interface ConfigKeySpec {
  /** `repository` for a project key, `github:owner` for a provider key. */
  readonly key: string;
  readonly type: ConfigValueType;
  readonly description: string;
  /**
   * Absent for a required key. Pulumi applies project defaults as plain values, so a key that is
   * both optional and secret keeps `""` here and `infra/config.ts` checks it is encrypted when set.
   */
  readonly default?: ConfigDefault;
  /**
   * Operator secrets: values nobody can generate or derive. `required` keys are declared
   * `secret: true` in Pulumi.yaml so the CLI refuses a plain-text value; `optional` ones are
   * checked by `infra/config.ts` instead (see `default`).
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
  /** For optional secrets: the boolean key that makes this one required when true. */
  readonly requiredWhen?: string;
}

export const CONFIG_KEYS: readonly ConfigKeySpec[] = Object.freeze([
  {
    key: "github:owner",
    type: "string",
    description:
      "The GitHub organization or user that owns the application repository. Required: without it the GitHub provider silently targets the token's personal account.",
  },
  {
    key: "environment",
    type: "string",
    description:
      "The deployment environment this stack manages: `staging` or `production`. It selects the GitHub environment, its protection rules and its variable prefix.",
  },
  {
    key: "repository",
    type: "string",
    description: "Name of the application repository (without the owner) that receives the settings and workflow files.",
  },
  {
    key: "defaultBranch",
    type: "string",
    description: "The application repository's default branch: protected, and where the program commits its files.",
    default: "main",
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
    default: 0,
  },
  {
    key: "reviewerUsers",
    type: "array",
    description: "GitHub logins required to approve deployments to this stack's environment. Production needs at least one reviewer (user or team).",
    default: [],
  },
  {
    key: "reviewerTeams",
    type: "array",
    description: "Team slugs (in `github:owner`) required to approve deployments to this stack's environment.",
    default: [],
  },
  {
    key: "requiredApprovingReviews",
    type: "integer",
    description: "Approving pull-request reviews required before merging into the default branch (1 to 10).",
    default: 1,
  },
  {
    key: "codeowners",
    type: "array",
    description:
      "Owners of every path in the application repository, written to `.github/CODEOWNERS`: `@user`, `@org/team` or an e-mail address. Required when `manageRepositorySettings` is true.",
    default: [],
  },
  {
    key: "apiUrl",
    type: "string",
    description: "HTTPS URL of this environment's model API; published as `<PREFIX>_API_URL` and used as the environment URL.",
  },
  {
    key: "slackWebhookUrl",
    type: "string",
    description:
      "Slack incoming-webhook URL for pipeline notifications, published as the repository secret `SLACK_WEBHOOK_URL`. Optional: unset, notifications are skipped. Set it with `pulumi config set --secret`.",
    default: "",
    secret: "optional",
    placeholder: "https://hooks.slack.com/services/SYNTH/PLACEHOLDER/invalid",
    warnUnsetWhen: "manageRepositorySettings",
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
    default: "",
    secret: "optional",
    placeholder: "AKIASYNTHPLACEHOLDER",
  },
  {
    key: "awsSecretAccessKey",
    type: "string",
    description: "AWS secret access key published as `AWS_SECRET_ACCESS_KEY`; only with `allowLongLivedAwsKeys`. Set it with `pulumi config set --secret`.",
    default: "",
    secret: "optional",
    placeholder: "synthPlaceholderSecretAccessKeyNotReal00",
  },
  {
    key: "dependabotPipDirectories",
    type: "array",
    description: "Directories of the application repository with Python requirements that Dependabot keeps up to date.",
    default: ["/"],
  },
  {
    key: "dependabotDockerDirectories",
    type: "array",
    description: "Directories of the application repository with Dockerfiles that Dependabot keeps up to date.",
    default: ["/04-deployment/web-services"],
  },
  // The runtime on AWS.
  {
    key: "awsRegion",
    type: "string",
    description: "AWS region of this stack's runtime (network, database, services).",
  },
  {
    key: "vpcCidr",
    type: "string",
    description: "IPv4 CIDR block of the stack's VPC, /16 to /20; subnets are carved from it per availability zone.",
    default: "10.20.0.0/16",
  },
  {
    key: "availabilityZoneCount",
    type: "integer",
    description: "Availability zones the network spans (2 or 3); the database and the load balancer need at least 2.",
    default: 2,
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
  },
  {
    key: "dbAllocatedStorageGb",
    type: "integer",
    description: "Initial storage of the database in GiB (20 to 65536); storage autoscaling grows it up to 5 times this.",
    default: 20,
  },
  {
    key: "dbBackupRetentionDays",
    type: "integer",
    description: "Days of automated backups and point-in-time recovery (at least 7; at least 14 in production; at most 35).",
    default: 7,
  },
  {
    key: "dbSnapshotIdentifier",
    type: "string",
    description:
      "Disaster recovery: create the database from this RDS snapshot (identifier or ARN, in `awsRegion`) instead of empty. Excludes `dbRestoreSource`. Ignored once the database exists; leave empty otherwise. See docs/disaster-recovery.md.",
    default: "",
  },
  {
    key: "dbRestoreSource",
    type: "string",
    description:
      "Disaster recovery: create the database restored to a point in time (`dbRestoreTime`) from automated backups instead of empty. Either the source instance's identifier (the instance still exists), its resource ID `db-…` (it was deleted and its backups retained), or the ARN of its backups replicated to this region (`arn:aws:rds:<region>:<account>:auto-backup:ab-…`). Excludes `dbSnapshotIdentifier`. Ignored once the database exists; leave empty otherwise.",
    default: "",
  },
  {
    key: "dbRestoreTime",
    type: "string",
    description:
      "With `dbRestoreSource`: the UTC time to restore to (e.g. 2025-03-14T09:26:53Z), or `latest` for the latest restorable time (normally within the last five minutes).",
    default: "",
  },
  {
    key: "recoveryRegion",
    type: "string",
    description:
      "AWS region that keeps this stack's recovery copies: a replica of the MLflow artifact bucket and the database's automated backups. Must differ from `awsRegion`. Required when `dataProtection` is true; empty: no copies.",
    default: "",
  },
  {
    key: "githubOidcProviderArn",
    type: "string",
    description:
      "ARN of the account's existing IAM OIDC provider for token.actions.githubusercontent.com. Empty: this stack creates it (an account holds only one, so the second stack in an account must name it here).",
    default: "",
  },
  {
    key: "certificateArn",
    type: "string",
    description: "ARN of the ACM certificate the load balancer serves HTTPS with; it must cover `mlflowHostname` and `grafanaHostname`.",
  },
  {
    key: "mlflowHostname",
    type: "string",
    description:
      "Host name of this stack's MLflow server behind the load balancer. On the stack that manages repository settings, https://<it> is published as the repository secret `MLFLOW_TRACKING_URI`.",
  },
  {
    key: "grafanaHostname",
    type: "string",
    description: "Host name of this stack's Grafana behind the load balancer.",
  },
  {
    key: "serviceDesiredCount",
    type: "integer",
    description: "Tasks per platform service (MLflow, Grafana): 1 to 10; 2 or more spreads them over zones.",
    default: 1,
  },
  {
    key: "logRetentionDays",
    type: "integer",
    description: "Days the services' CloudWatch logs are kept (a value CloudWatch accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, …).",
    default: 30,
  },
  {
    key: "ghcrUsername",
    type: "string",
    description: "The GitHub account that pushes the platform's images to GHCR and that ECS pulls them as. Empty: `github:owner`.",
    default: "",
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
    key: "appRequirementsFile",
    type: "string",
    description: "The application's pip requirements file, installed before its code runs and audited by pip-audit.",
    default: "requirements.txt",
  },
  {
    key: "appLintPaths",
    type: "array",
    description: "Paths of the application checked by Black, isort, Flake8 and Pylint.",
    default: ["."],
  },
  {
    key: "appTestCommand",
    type: "string",
    description: "The application's unit-test command, run on Python 3.9, 3.10 and 3.11.",
    default: "python -m pytest tests/ -v",
  },
  {
    key: "appIntegrationTestCommand",
    type: "string",
    description: "The application's integration-test command, run against a PostgreSQL service container (PG* variables set).",
    default: "python -m pytest integration-tests/ -v",
  },
  {
    key: "appTrainCommand",
    type: "string",
    description:
      "The application's training command. Gets MODEL_TYPE, DATA_MONTH, DATA_FILE, EXPERIMENT_NAME, MLFLOW_TRACKING_URI and OUTPUT_DIR; writes the model and OUTPUT_DIR/training.json.",
    default: "python 03-orchestration/train.py",
  },
  {
    key: "appDriftCommand",
    type: "string",
    description:
      "The application's drift calculation. Gets MODEL_NAME, MLFLOW_TRACKING_URI and OUTPUT_FILE; writes the metrics JSON to OUTPUT_FILE.",
    default: "python 05-monitoring/evidently_metrics_calculation.py",
  },
  {
    key: "appWebServiceDirectory",
    type: "string",
    description: "Docker build context of the model web service (holds its Dockerfile).",
    default: "04-deployment/web-services",
  },
  {
    key: "appBatchDirectory",
    type: "string",
    description: "Docker build context of the batch scoring job.",
    default: "04-deployment/batch",
  },
  {
    key: "appMlflowServiceDirectory",
    type: "string",
    description: "Docker build context of the MLflow model server (mlflow-service).",
    default: "04-deployment/web-service-mlflow",
  },
  {
    key: "appDataUrlTemplate",
    type: "string",
    description: "Where training data for a month is downloaded from; `{month}` becomes YYYY-MM.",
    default: "https://d37ci6vzurychx.cloudfront.net/trip-data/green_tripdata_{month}.parquet",
  },
  {
    key: "appHealthCheckPath",
    type: "string",
    description: "Path of the model web service that answers 200 when it is healthy; the load balancer and the canary watch it.",
    default: "/health",
  },
  {
    key: "modelName",
    type: "string",
    description: "Name of the model in the MLflow Model Registry.",
    default: "nyc-taxi-trip-duration",
  },
  {
    key: "modelMaxRmse",
    type: "string",
    description: "Model validation gate: the largest validation RMSE (minutes) a trained model may have and still ship.",
    default: "10.0",
  },
] satisfies ConfigKeySpec[]);

export function findConfigKey(qualified: string): ConfigKeySpec | undefined {
  return CONFIG_KEYS.find((spec) => qualifiedKey(spec.key) === qualified);
}
