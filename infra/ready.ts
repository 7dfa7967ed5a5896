import * as pulumi from "@pulumi/pulumi";

/**
 * `value`, resolved only once `resources` exist: how a consumer comes to wait for what the cloud
 * needs before it can use the value (a role's policies before a task assumes it, a secret's value
 * before a task reads it, a route before a function calls out). An Output dependency, so the
 * engine orders it and synth's graph shows it, unlike a `dependsOn` someone must remember.
 */
export function readyAfter<T>(value: pulumi.Input<T>, ...resources: readonly pulumi.CustomResource[]): pulumi.Output<T> {
  return pulumi.all([value, ...resources.map((resource) => resource.id)]).apply(([resolved]) => resolved as T);
}
