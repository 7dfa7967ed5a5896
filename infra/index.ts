/**
 * The composition root: read the stack's config, build the components, export the outputs.
 *
 * One stack manages one deployment environment (staging or production). Repository-wide settings
 * of the application repository belong to the one stack with `manageRepositorySettings` set.
 */
import * as github from "./github/sdk";
import * as pulumi from "@pulumi/pulumi";
import { readStackConfig } from "./config";
import {
  DeploymentEnvironment,
  ISSUE_LABELS,
  REQUIRED_STATUS_CHECKS,
  RepositorySettings,
  renderCodeowners,
  renderDependabot,
} from "./github";
import { applicationRepositoryFiles } from "../workflows";
import { DEFAULT_ALERT_THRESHOLD } from "../workflows/monitor-model";
import { addBuildFiles } from "./build-files";
import { METRICS_DATABASE, roleNames } from "./database";
import { DEFAULT_MAX_AGE_HOURS } from "./monitoring";
import { renderGrafanaFiles } from "./monitoring/grafana";

const config = readStackConfig();
const { environment: profile, github: repo } = config;

// An explicit provider: the default one would target whatever account the token belongs to when
// `github:owner` is missing, and `pulumi:disable-default-providers` in Pulumi.yaml forbids it.
const credentials = config.githubCredentials;
const githubProvider = new github.Provider("github", {
  owner: repo.owner,
  appAuth:
    credentials.kind === "app"
      ? { id: String(credentials.appId), installationId: credentials.installationId, pemFile: credentials.privateKey }
      : undefined,
});
const withGitHub = { providers: [githubProvider] };

// DeploymentEnvironment wraps every value as a Pulumi secret, the plain DB host included.
const secrets: Record<string, pulumi.Input<string>> = {
  [`${profile.variablePrefix}_DB_HOST`]: config.endpoints.dbHost,
};
if (config.secrets.awsKeys) {
  secrets.AWS_ACCESS_KEY_ID = config.secrets.awsKeys.accessKeyId;
  secrets.AWS_SECRET_ACCESS_KEY = config.secrets.awsKeys.secretAccessKey;
}

const environment = new DeploymentEnvironment(
  profile.name,
  {
    repository: repo.repository,
    profile,
    defaultBranch: repo.defaultBranch,
    reviewers: repo.reviewers,
    variables: { [`${profile.variablePrefix}_API_URL`]: config.endpoints.apiUrl },
    secrets,
  },
  withGitHub,
);

const repositorySettings = repo.manageRepositorySettings
  ? new RepositorySettings(
      "repository",
      {
        repository: repo.repository,
        defaultBranch: repo.defaultBranch,
        // Checked by infra/config.ts: set whenever manageRepositorySettings is.
        platformAppId: repo.platformAppId ?? 0,
        requiredStatusChecks: REQUIRED_STATUS_CHECKS,
        requiredApprovingReviews: repo.requiredApprovingReviews,
        labels: ISSUE_LABELS,
        secrets: repositorySecrets(config.secrets),
        files: [renderCodeowners(repo.codeowners), renderDependabot(repo.dependabot), ...applicationRepositoryFiles(config.application)],
      },
      withGitHub,
    )
  : undefined;

// Grafana's provisioning and dashboards, baked into its image: it reads the metrics as the reader.
addBuildFiles(
  "grafana",
  renderGrafanaFiles({
    host: config.endpoints.dbHost,
    database: METRICS_DATABASE,
    user: roleNames("metrics").reader,
    alertThreshold: Number(DEFAULT_ALERT_THRESHOLD),
    maxAgeHours: DEFAULT_MAX_AGE_HOURS,
  }),
);

export const repository = `${repo.owner}/${repo.repository}`;
export const environmentName = environment.name;
export const environmentUrl = config.endpoints.apiUrl;
export const managesRepositorySettings = repo.manageRepositorySettings;
export const committedFiles = repositorySettings?.filePaths ?? [];

/** Repository-wide secrets: the registry of record and the integrations, where set. */
function repositorySecrets(operator: typeof config.secrets): Record<string, pulumi.Input<string>> {
  const published: Record<string, pulumi.Input<string>> = {};
  if (operator.mlflowTrackingUri) published.MLFLOW_TRACKING_URI = operator.mlflowTrackingUri;
  if (operator.slackWebhookUrl) published.SLACK_WEBHOOK_URL = operator.slackWebhookUrl;
  if (operator.metricsDatabaseUrl) published.METRICS_DATABASE_URL = operator.metricsDatabaseUrl;
  return published;
}
