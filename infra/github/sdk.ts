/**
 * The @pulumi/github classes and functions the program uses, imported from their own modules.
 * The package's index loads its whole surface (about 0.35 s, a third of a synth); these few modules
 * load in a fraction of that. Import GitHub resources from here, not from "@pulumi/github".
 */
export { ActionsEnvironmentSecret } from "@pulumi/github/actionsEnvironmentSecret";
export { ActionsEnvironmentVariable } from "@pulumi/github/actionsEnvironmentVariable";
export { ActionsSecret } from "@pulumi/github/actionsSecret";
export { ActionsVariable } from "@pulumi/github/actionsVariable";
export { getTeamOutput } from "@pulumi/github/getTeam";
export { getUserOutput } from "@pulumi/github/getUser";
export { IssueLabel } from "@pulumi/github/issueLabel";
export { Provider } from "@pulumi/github/provider";
export { RepositoryEnvironment } from "@pulumi/github/repositoryEnvironment";
export { RepositoryEnvironmentDeploymentPolicy } from "@pulumi/github/repositoryEnvironmentDeploymentPolicy";
export { RepositoryFile } from "@pulumi/github/repositoryFile";
export { RepositoryRuleset } from "@pulumi/github/repositoryRuleset";
