/**
 * The composition root: read the stack's config, build the components, export the outputs.
 *
 * One stack manages one deployment environment (staging or production). Repository-wide settings
 * of the application repository belong to the one stack with `manageRepositorySettings` set.
 */
import * as path from "node:path";
import { Provider as DockerProvider } from "@pulumi/docker/provider";
import { Provider as RandomProvider } from "@pulumi/random/provider";
import * as aws from "./aws/sdk";
import * as github from "./github/sdk";
import * as pulumi from "@pulumi/pulumi";
import { readStackConfig } from "./config";
import { DeploymentEnvironment, RepositorySettings, renderCodeowners, renderDependabot } from "./github";
import { ISSUE_LABELS, MONITORING_ENVIRONMENT, REGISTRY_ENVIRONMENT, REQUIRED_STATUS_CHECKS } from "../contracts/github";
import { applicationRepositoryFiles } from "../workflows";
import { ApplicationDatabases, PostgresInstance } from "./database";
import { GitHubDeployRole } from "./identity";
import { ContainerImage, GHCR } from "./images";
import { MetricsFunction } from "./monitoring";
import { ModelWebService, ScheduledBatchJob, ServiceDashboard, testTrafficHeaderValue } from "./model-serving";
import { ArtifactBucket } from "./mlflow";
import { MLFLOW_CLIENTS } from "../contracts/mlflow-clients";
import { APPLICATION_DASHBOARDS } from "../contracts/dashboards";
import { TEST_TRAFFIC_HEADER } from "../contracts/canary";
import { runtimeNames } from "../contracts/runtime-names";
import { STACK_DASHBOARDS, stackDashboardUrl } from "../contracts/grafana-dashboards";
import { Network, SecurityGroups } from "./network";
import { GRAFANA_PORT, MLFLOW_PORT, PlatformServices, ServiceCluster } from "./platform";

/** The Dockerfiles and build contexts of the platform's images. */
const IMAGES_DIR = path.join(__dirname, "..", "images");

/** The model web service's port (the application's gunicorn binds 9696). */
const WEB_SERVICE_PORT = 9696;
/** MLflow's model server (`mlflow models build-docker` images) listens on 8080. */
const MLFLOW_SERVICE_PORT = 8080;
/** The services' ports behind the load balancer. */
const SERVICE_PORTS = [MLFLOW_PORT, GRAFANA_PORT, WEB_SERVICE_PORT, MLFLOW_SERVICE_PORT];

const config = readStackConfig();
const { profile, github: repo, runtime } = config;

// The runtime on AWS: every resource is tagged with where it comes from.
const awsProvider = new aws.Provider("aws", {
  region: runtime.region,
  defaultTags: { tags: { Project: "mlops-cicd", Stack: config.stack, Environment: profile.name, ManagedBy: "pulumi" } },
});
// Explicit providers for everything: Pulumi.yaml disables the default ones.
const randomProvider = new RandomProvider("random");
// The Docker provider signs in to GHCR with the operator's token, as the images push with it.
const dockerProvider = new DockerProvider("docker", {
  registryAuth: [{ address: GHCR, username: runtime.registry.username, password: runtime.registry.token }],
});
const withAws = { providers: [awsProvider, randomProvider] };

const network = new Network(
  "network",
  { cidrBlock: runtime.vpcCidr, availabilityZoneCount: runtime.availabilityZoneCount, natGatewayPerZone: runtime.dataProtection },
  withAws,
);
const securityGroups = new SecurityGroups("runtime", { vpcId: network.vpcId, servicePorts: SERVICE_PORTS }, withAws);
const database = new PostgresInstance(
  "database",
  {
    subnetIds: network.privateSubnetIds,
    securityGroupId: securityGroups.database.id,
    instanceClass: runtime.database.instanceClass,
    allocatedStorageGb: runtime.database.allocatedStorageGb,
    backupRetentionDays: runtime.database.backupRetentionDays,
    dataProtection: runtime.dataProtection,
    snapshotIdentifier: runtime.database.snapshotIdentifier,
    pointInTimeRestore: runtime.database.pointInTimeRestore,
    backupReplicationRegion: runtime.recoveryRegion,
    rotation: runtime.database.rotation.step,
  },
  withAws,
);

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

// The mlflow, grafana and metrics databases, their roles and the metrics schema, made on the server
// from inside the VPC by the provisioner function (docs/decisions/0003-database-provisioning.md).
const clusterName = runtimeNames(config.stack).cluster;
const databases = new ApplicationDatabases(
  "databases",
  {
    address: database.address,
    port: database.port,
    masterSecret: database.masterSecretRef,
    secretPrefix: `mlops-cicd-${config.stack}`,
    provisionerName: `${clusterName}-db-provisioner`,
    subnetIds: network.egressSubnetIds,
    provisionerSecurityGroupId: securityGroups.provisionerGroupId,
    logRetentionDays: runtime.services.logRetentionDays,
    // Only the rotation workflow's run rotates (docs/decisions/0004-credential-rotation.md).
    rotation: runtime.database.rotation,
  },
  withAws,
);

// MLflow's artifact store.
const artifacts = new ArtifactBucket(
  "mlflow-artifacts",
  { dataProtection: runtime.dataProtection, replicaRegion: runtime.recoveryRegion },
  withAws,
);

// The platform's images, built from images/ and pushed to GHCR, run by digest.
const imageRepository = (image: string) => `ghcr.io/${runtime.registry.username.toLowerCase()}/mlops-cicd-${image}`;
const platformImage = (image: "mlflow" | "grafana" | "dashboard-sync" | "bootstrap") =>
  new ContainerImage(
    `${image}-image`,
    { context: path.join(IMAGES_DIR, image), repository: imageRepository(image), username: runtime.registry.username, token: runtime.registry.token },
    { providers: [dockerProvider] },
  );
const images = { mlflow: platformImage("mlflow"), grafana: platformImage("grafana"), dashboardSync: platformImage("dashboard-sync") };

// MLflow and Grafana on ECS Fargate, behind an HTTPS load balancer.
const cluster = new ServiceCluster(
  "services",
  {
    name: clusterName,
    vpcId: network.vpcId,
    publicSubnetIds: network.publicSubnetIds,
    loadBalancerSecurityGroupId: securityGroups.loadBalancer.id,
    certificateArn: runtime.services.certificateArn,
    registry: { username: runtime.registry.username, pullToken: runtime.registry.pullToken },
  },
  withAws,
);
const platform = new PlatformServices(
  "platform",
  {
    cluster,
    databases,
    databaseAddress: database.address,
    databasePort: database.port,
    artifactBucket: { name: artifacts.bucketName, arn: artifacts.bucketArn },
    images: { mlflow: images.mlflow.digestReference, grafana: images.grafana.digestReference, dashboardSync: images.dashboardSync.digestReference },
    mlflowHostname: runtime.services.mlflowHostname,
    grafanaHostname: runtime.services.grafanaHostname,
    region: runtime.region,
    modelName: config.application.modelName,
    vpcId: network.vpcId,
    subnetIds: network.egressSubnetIds,
    securityGroupId: securityGroups.servicesGroupId,
    desiredCount: runtime.services.desiredCount,
    logRetentionDays: runtime.services.logRetentionDays,
    rotation: runtime.database.rotation.step,
  },
  withAws,
);

// The model services, at the environment's API URL. The program creates them; their revisions
// belong to the pipeline from then on (docs/deploy.md).
const modelServiceCommon = {
  cluster,
  hostname: new URL(config.endpoints.apiUrl).hostname,
  vpcId: network.vpcId,
  subnetIds: network.egressSubnetIds,
  securityGroupId: securityGroups.servicesGroupId,
  desiredCount: runtime.services.desiredCount,
  logRetentionDays: runtime.services.logRetentionDays,
  // MLflow's client reads these three; the login may only read (contracts/mlflow-clients.ts). The
  // username comes from the secret too: `serving` or its twin, whichever is current. Not pinned to a
  // version, unlike the platform services: the pipeline registers each new revision as a copy of the
  // running one (docs/deploy.md), so a pinned version would stay on every revision after it and
  // outlive its login two rotations later; each task reads the current login as it starts.
  environment: { MODEL_NAME: config.application.modelName, MLFLOW_TRACKING_URI: platform.mlflowUrl },
  secrets: {
    MLFLOW_TRACKING_USERNAME: { secretArn: platform.mlflowClients.serving.secretArn, key: "username" },
    MLFLOW_TRACKING_PASSWORD: { secretArn: platform.mlflowClients.serving.secretArn, key: "password" },
  },
};
// Until the pipeline's first deployment, each model service runs the platform's bootstrap image,
// which answers its health check and tells callers with 503 that nothing is deployed yet. The
// services leave their task definitions to the pipeline after that (docs/deploy.md), so this never
// replaces a deployed model; after a rebuild, deploy-service puts the promoted release back.
const bootstrapImage = platformImage("bootstrap").digestReference;
// Production's services deploy as canaries, load tested through a route that matches this stack's
// own secret header value (contracts/canary.ts); production's GitHub environment holds it.
const canary = profile.name === "production";
const testTrafficHeader = canary ? testTrafficHeaderValue("test-traffic-header", { provider: randomProvider }) : undefined;
const bootstrapEnvironment = (name: string, port: number, healthCheckPath: string) => ({
  SERVICE_NAME: name,
  DEPLOYMENT_ENVIRONMENT: profile.name,
  PORT: String(port),
  HEALTH_CHECK_PATH: healthCheckPath,
});
const webService = new ModelWebService(
  "web-service",
  {
    ...modelServiceCommon,
    name: "web-service",
    image: bootstrapImage,
    port: WEB_SERVICE_PORT,
    priority: 30,
    // After mlflow-service's rules: its /invocations test requests must reach it, not this host-wide rule.
    testTrafficPriority: 29,
    testTrafficHeaderValue: testTrafficHeader,
    healthCheckPath: config.application.healthCheckPath,
    canary,
    environment: { ...modelServiceCommon.environment, ...bootstrapEnvironment("web-service", WEB_SERVICE_PORT, config.application.healthCheckPath) },
  },
  withAws,
);
// MLflow's model server answers predictions at /invocations of the same host; in production a
// canary like the web service's, with its own alarms.
const mlflowService = new ModelWebService(
  "mlflow-service",
  {
    ...modelServiceCommon,
    name: "mlflow-service",
    image: bootstrapImage,
    port: MLFLOW_SERVICE_PORT,
    priority: 25,
    testTrafficPriority: 24,
    testTrafficHeaderValue: testTrafficHeader,
    pathPatterns: ["/invocations"],
    healthCheckPath: "/ping",
    canary,
    environment: { ...modelServiceCommon.environment, ...bootstrapEnvironment("mlflow-service", MLFLOW_SERVICE_PORT, "/ping") },
  },
  withAws,
);

// Batch scoring, daily, from what the pipeline last deployed to it: reads trips under batch-input/ of the artifact
// bucket and writes predictions under batch-predictions/ (the bucket is versioned and encrypted).
const batchPrefix = (prefix: string) => pulumi.interpolate`s3://${artifacts.bucketName}/${prefix}/`;
const batchJob = new ScheduledBatchJob(
  "batch",
  {
    cluster,
    name: "batch",
    image: bootstrapImage,
    subnetIds: network.egressSubnetIds,
    securityGroupId: securityGroups.servicesGroupId,
    logRetentionDays: runtime.services.logRetentionDays,
    secrets: modelServiceCommon.secrets,
    environment: {
      ...modelServiceCommon.environment,
      SERVICE_NAME: "batch",
      DEPLOYMENT_ENVIRONMENT: profile.name,
      INPUT_URI: batchPrefix("batch-input"),
      OUTPUT_URI: batchPrefix("batch-predictions"),
    },
    taskPolicyStatements: artifacts.bucketArn.apply((bucket) => [
      { Sid: "ReadInput", Effect: "Allow", Action: "s3:GetObject", Resource: `${bucket}/batch-input/*` },
      { Sid: "WritePredictions", Effect: "Allow", Action: "s3:PutObject", Resource: `${bucket}/batch-predictions/*` },
      {
        Sid: "ListOwnPrefixes",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: bucket,
        Condition: { StringLike: { "s3:prefix": ["batch-input/*", "batch-predictions/*"] } },
      },
    ]),
  },
  withAws,
);

// One dashboard for the model's services: alarms, traffic, errors, latency, capacity, batch runs, logs.
const dashboard = new ServiceDashboard(
  "services",
  {
    clusterName,
    region: runtime.region,
    loadBalancerArnSuffix: cluster.loadBalancer.arnSuffix,
    webServices: [
      { title: "web-service", serviceName: webService.service.name, targetGroups: webService.targetGroups, logGroup: webService.logGroup },
      { title: "mlflow-service", serviceName: mlflowService.service.name, targetGroups: mlflowService.targetGroups, logGroup: mlflowService.logGroup },
    ],
    batchJobs: [{ title: "batch", failedRuns: batchJob.failedRuns, scheduleGroupName: batchJob.scheduleGroupName, logGroup: batchJob.logGroup }],
    alarms: [...webService.alarms, ...mlflowService.alarms, ...batchJob.alarms],
  },
  withAws,
);

// This environment's GitHub jobs reach AWS through OIDC, as this role; no stored keys.
const deployRole = new GitHubDeployRole(
  "github-deploy",
  {
    repository: `${repo.owner}/${repo.repository}`,
    environment: profile.name,
    oidcProviderArn: runtime.githubOidcProviderArn,
    clusterName,
    region: runtime.region,
    dashboards: { bucketArn: artifacts.bucketArn, prefix: APPLICATION_DASHBOARDS.bucketPrefix },
  },
  withAws,
);

// DeploymentEnvironment wraps every value as a Pulumi secret, the plain DB host included.
const environmentSecrets: Record<string, pulumi.Input<string>> = {
  [`${profile.variablePrefix}_DB_HOST`]: database.address,
};
// Only the load-test step reads it (workflows/deploy-steps.ts).
if (testTrafficHeader) environmentSecrets[TEST_TRAFFIC_HEADER.secret] = testTrafficHeader;
if (config.secrets.awsKeys) {
  environmentSecrets.AWS_ACCESS_KEY_ID = config.secrets.awsKeys.accessKeyId;
  environmentSecrets.AWS_SECRET_ACCESS_KEY = config.secrets.awsKeys.secretAccessKey;
}

const githubEnvironment = new DeploymentEnvironment(
  profile.name,
  {
    repository: repo.repository,
    profile,
    defaultBranch: repo.defaultBranch,
    reviewers: repo.reviewers,
    variables: {
      // The environment's URL is the web service's: what the deploy job links to.
      [`${profile.variablePrefix}_API_URL`]: webService.url,
      AWS_ROLE_ARN: deployRole.roleArn,
      AWS_REGION: runtime.region,
      ECS_CLUSTER: clusterName,
      // Services, task roles and alarms are all named `<cluster>-…`; the deploy role is scoped so.
      ECS_SERVICE_PREFIX: clusterName,
      // Every routed service's alarms; deploy-service watches those of the service it deploys.
      CANARY_ALARMS: [...webService.alarmNames, ...mlflowService.alarmNames].join(","),
      // The batch job's schedule lives in a group named after the cluster.
      BATCH_SCHEDULE_GROUP: batchJob.scheduleGroupName,
      // Where ci-cd's deploy jobs load the team's dashboards; Grafana's dashboard-sync reads it.
      GRAFANA_DASHBOARDS_URI: pulumi.interpolate`s3://${artifacts.bucketName}/${APPLICATION_DASHBOARDS.bucketPrefix}`,
    },
    secrets: environmentSecrets,
  },
  withGitHub,
);

// The registry of record's stack also serves the monitoring job, which runs on GitHub's hosted
// runners: it stores and checks metrics through this function inside the VPC (docs/monitoring.md).
const metricsFunction = repo.repositorySettings
  ? new MetricsFunction(
      "metrics",
      {
        functionName: `${clusterName}-metrics`,
        subnetIds: network.egressSubnetIds,
        securityGroupId: securityGroups.provisionerGroupId,
        writerSecretArn: databases.credentialSecretArns.writer,
        writerSecretVersionId: databases.credentialVersionIds.writer,
        logRetentionDays: runtime.services.logRetentionDays,
        repository: `${repo.owner}/${repo.repository}`,
        environment: MONITORING_ENVIRONMENT.name,
        oidcProviderArn: deployRole.oidcProviderArn,
      },
      withAws,
    )
  : undefined;
// Its job's environment: default branch only, no reviewers; the role and function are its variables.
if (metricsFunction) {
  new DeploymentEnvironment(
    MONITORING_ENVIRONMENT.name,
    {
      repository: repo.repository,
      profile: MONITORING_ENVIRONMENT,
      defaultBranch: repo.defaultBranch,
      variables: { AWS_ROLE_ARN: metricsFunction.invokerRoleArn, AWS_REGION: runtime.region, METRICS_FUNCTION: metricsFunction.functionName },
    },
    withGitHub,
  );
}

// The registry's writers' environment: default branch only, holding the one MLflow login that can
// register versions and move aliases (infra/mlflow/clients.ts). The registry of record is this stack's.
if (repo.repositorySettings) {
  new DeploymentEnvironment(
    REGISTRY_ENVIRONMENT.name,
    {
      repository: repo.repository,
      profile: REGISTRY_ENVIRONMENT,
      defaultBranch: repo.defaultBranch,
      ...mlflowLogins(platform, REGISTRY_ENVIRONMENT.name),
    },
    withGitHub,
  );
}

const settings = repo.repositorySettings;
const repositorySettings = settings
  ? new RepositorySettings(
      "repository",
      {
        repository: repo.repository,
        defaultBranch: repo.defaultBranch,
        platformAppId: settings.platformAppId,
        // The platform's checks always; the team's own workflows may add theirs, never remove one.
        requiredStatusChecks: [...REQUIRED_STATUS_CHECKS, ...settings.additionalRequiredChecks],
        requiredApprovingReviews: settings.requiredApprovingReviews,
        labels: ISSUE_LABELS,
        secrets: repositorySecrets(config.secrets, platform),
        variables: mlflowLogins(platform, undefined).variables,
        files: [renderCodeowners(settings.codeowners), renderDependabot(settings.dependabot), ...applicationRepositoryFiles(config.application)],
      },
      withGitHub,
    )
  : undefined;

export const repository = `${repo.owner}/${repo.repository}`;
export const environmentName = githubEnvironment.name;
export const environmentUrl = webService.url;
export const managesRepositorySettings = settings !== undefined;
export const vpcId = network.vpcId;
export const databaseAddress = database.address;
export const databaseMasterSecretArn = database.masterSecret.arn;
export const githubDeployRoleArn = deployRole.roleArn;
export const artifactBucket = artifacts.bucketName;
export const mlflowUrl = platform.mlflowUrl;
export const grafanaUrl = platform.grafanaUrl;
/** Grafana's CloudWatch dashboards opened on this stack. */
export const grafanaDashboardUrls = Object.fromEntries(Object.entries(STACK_DASHBOARDS).map(([key, uid]) => [key, stackDashboardUrl(platform.grafanaUrl, uid, config.stack)]));
export const loadBalancerDnsName = cluster.loadBalancer.dnsName;
export const webServiceUrl = webService.url;
export const mlflowServiceAlarms = mlflowService.alarmNames;
export const batchSchedule = `${batchJob.scheduleGroupName}/${batchJob.scheduleName}`;
export const batchAlarms = batchJob.alarmNames;
export const servicesDashboardUrl = dashboard.url;
export const imageDigests = { mlflow: images.mlflow.digestReference, grafana: images.grafana.digestReference, dashboardSync: images.dashboardSync.digestReference };
export const databaseCredentialSecretArns = databases.credentialSecretArns;
/** Where the generated database passwords are in their rotation: what the rotation workflow decides from. */
export const credentialRotation = databases.rotation;
export const mlflowClientSecretArns = Object.fromEntries(Object.entries(platform.mlflowClients).map(([client, login]) => [client, login.secretArn]));
export const committedFiles = repositorySettings?.filePaths ?? [];

/**
 * Repository-wide secrets: the registry of record (this stack's MLflow) with the read-only logins of
 * the workflow clients (the writing one is the registry environment's), and Slack when set. No database credential: the monitoring job goes through the metrics function.
 */
function repositorySecrets(operator: typeof config.secrets, mlflow: PlatformServices): Record<string, pulumi.Input<string>> {
  const published: Record<string, pulumi.Input<string>> = { MLFLOW_TRACKING_URI: mlflow.mlflowUrl, ...mlflowLogins(mlflow, undefined).secrets };
  if (operator.slackWebhookUrl) published.SLACK_WEBHOOK_URL = operator.slackWebhookUrl;
  return published;
}

/**
 * The current login of each workflow client published in `environment` (the repository's when
 * undefined): the password as a secret, the username, which a rotation alternates with the password
 * (docs/decisions/0004-credential-rotation.md), as a variable. Both change in the same `pulumi up`.
 */
function mlflowLogins(mlflow: PlatformServices, environment: string | undefined) {
  const secrets: Record<string, pulumi.Input<string>> = {};
  const variables: Record<string, pulumi.Input<string>> = {};
  for (const client of MLFLOW_CLIENTS) {
    if (!client.githubSecret || !client.githubUsernameVariable || client.githubEnvironment !== environment) continue;
    secrets[client.githubSecret] = mlflow.mlflowClients[client.username].password;
    variables[client.githubUsernameVariable] = mlflow.mlflowClients[client.username].username;
  }
  return { secrets, variables };
}
