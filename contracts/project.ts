/** The Pulumi project's name, and config keys as the engine names them. */

/** The project name: the namespace of config keys that carry no `namespace:` prefix. */
export const PROJECT_NAME = "mlops-cicd";

/** `repository` → `mlops-cicd:repository`; `github:owner` stays as it is. */
export function qualifiedKey(key: string): string {
  return key.includes(":") ? key : `${PROJECT_NAME}:${key}`;
}
