set -euo pipefail
# Describes the completed run that triggered record-delivery-metrics in RUN_FILE, for
# `mlops-monitor record-run`. Everything comes from the event payload (GITHUB_EVENT_PATH) and, for a
# run that may have deployed, from its jobs' names and conclusions in the API: the run's own code is
# never checked out or executed, whoever wrote it.
event_file=$GITHUB_EVENT_PATH
repository=$(jq -r '.repository.full_name' "$event_file")
run_id=$(jq -r '.workflow_run.id' "$event_file")
attempt=$(jq -r '.workflow_run.run_attempt' "$event_file")

# Only a run of this repository's default branch, started by a push or by hand, can have deployed:
# the deployment environments admit nothing else. A pull request's run (a fork's among them) may
# name its jobs anything, so its job names are never read.
deployable=$(jq -r '.repository.default_branch as $default | .repository.full_name as $repository | .workflow_run
  | (.head_repository.full_name == $repository and .head_branch == $default and (.event == "push" or .event == "workflow_dispatch"))' "$event_file")

deployment=null
if [[ "$deployable" == true ]]; then
  # The furthest environment a deploy job ran for (DEPLOY_ENVIRONMENTS lists them nearest first),
  # and how that job ended. A job skipped because an earlier one failed deployed nothing.
  deployment=$(gh api --paginate "repos/${repository}/actions/runs/${run_id}/attempts/${attempt}/jobs?per_page=100" --jq '.jobs[] | {name, conclusion}' |
    jq -sc --arg pattern "$DEPLOY_JOB_PATTERN" --arg order "$DEPLOY_ENVIRONMENTS" '
      ($order | split(" ")) as $ranks
      | [.[] | select(.conclusion != null and .conclusion != "skipped")
          | (.name | capture($pattern)) as $match
          | {environment: $match.environment, conclusion, rank: ($ranks | index($match.environment))}
          | select(.rank != null)]
      | if length == 0 then null else max_by(.rank) | {environment, conclusion} end')
fi

mkdir -p "$(dirname "$RUN_FILE")"
jq --argjson deployment "$deployment" '.workflow_run | {
  run_id: .id,
  run_attempt: .run_attempt,
  workflow: .name,
  event: .event,
  branch: .head_branch,
  commit_sha: .head_sha,
  conclusion: .conclusion,
  environment: $deployment.environment,
  deployment_conclusion: $deployment.conclusion,
  started_at: .run_started_at,
  completed_at: .updated_at
}' "$event_file" > "$RUN_FILE"
echo "Run ${run_id}, attempt ${attempt}: $(jq -c '{conclusion, environment, deployment_conclusion}' "$RUN_FILE")"
