export { DeploymentEnvironment } from "./deployment-environment";
export type { DeploymentEnvironmentArgs, EnvironmentRules } from "./deployment-environment";
export { RepositorySettings } from "./repository-settings";
export type { RepositorySettingsArgs } from "./repository-settings";
export { renderCodeowners, renderDependabot } from "./repository-files";
