set -euo pipefail
pulumi stack output --stack "$STACK" --json > outputs.json
balancer=$(jq -er .loadBalancerDnsName outputs.json)
# The public names still point at the lost environment until DNS moves: reach the new load
# balancer under those names, so TLS and the host rules are checked as clients will meet them.
check() {
  local url=$1 host
  host=$(sed -E "s#^https://([^/]+).*#\1#" <<< "$url")
  if curl -fsS --retry 20 --retry-delay 15 --retry-all-errors --max-time 10 --connect-to "${host}:443:${balancer}:443" "$url" > /dev/null; then
    echo "healthy: $url"
  else
    echo "::error::No healthy answer from $url through $balancer."
    failed=1
  fi
}
failed=0
check "$(jq -er .mlflowUrl outputs.json)/health"
check "$(jq -er .grafanaUrl outputs.json)/api/health"
check "$(jq -er .webServiceUrl outputs.json)/health"
{
  echo "## $STACK rebuilt in $REGION"
  echo
  echo "- Point the DNS names at \`$balancer\`."
  echo "- Commit the artifact \`stack-file-${STACK}\` as \`Pulumi.${STACK}.yaml\`, and remove the lost stack's file, in one pull request (docs/disaster-recovery.md)."
} >> "$GITHUB_STEP_SUMMARY"
exit "$failed"
