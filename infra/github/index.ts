export { REQUIRED_STATUS_CHECKS, ISSUE_LABELS, GITHUB_ACTIONS_INTEGRATION_ID, MONITORING_ENVIRONMENT, REGISTRY_ENVIRONMENT } from "../../contracts/github";
export type { IssueLabelSpec } from "../../contracts/github";
export { DeploymentEnvironment } from "./deployment-environment";
export type { DeploymentEnvironmentArgs, EnvironmentRules } from "./deployment-environment";
export { RepositorySettings } from "./repository-settings";
export type { RepositorySettingsArgs } from "./repository-settings";
export { generatedHeader, renderCodeowners, renderDependabot } from "./repository-files";
export type { RepositoryFileSpec } from "./repository-files";
