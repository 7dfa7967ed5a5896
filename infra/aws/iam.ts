/** The trust policy of a role that one AWS service assumes (`ecs-tasks.amazonaws.com`, …). */
export function assumedBy(servicePrincipal: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: servicePrincipal }, Action: "sts:AssumeRole" }],
  });
}
