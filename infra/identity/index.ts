export { GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST, GitHubDeployRole, deployPolicy, trustPolicy } from "./github-deploy-role";
export type { DashboardsLocation, GitHubDeployRoleArgs } from "./github-deploy-role";
