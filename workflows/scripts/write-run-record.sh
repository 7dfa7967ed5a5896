set -euo pipefail
# Describes the completed run that triggered record-delivery-metrics in RUN_FILE, for
# `mlops-monitor record-run`. Everything comes from the event payload (GITHUB_EVENT_PATH) and, for a
# run that may have deployed, from the API: its jobs' conclusions and the deployments GitHub made
# for them. The run's own code is never checked out or executed, whoever wrote it.
event_file=$GITHUB_EVENT_PATH
repository=$(jq -r '.repository.full_name' "$event_file")
run_id=$(jq -r '.workflow_run.id' "$event_file")
attempt=$(jq -r '.workflow_run.run_attempt' "$event_file")

# Only a run of this repository's default branch, started by a push or by hand, can have deployed:
# the deployment environments admit nothing else. A pull request's run (a fork's among them) is
# never looked into.
deployable=$(jq -r '.repository.default_branch as $default | .repository.full_name as $repository | .workflow_run
  | (.head_repository.full_name == $repository and .head_branch == $default and (.event == "push" or .event == "workflow_dispatch"))' "$event_file")

deployment=null
if [[ "$deployable" == true ]]; then
  # Where the run deployed is what GitHub's own deployments say, never a name the run's code chose:
  # GitHub creates a deployment of an environment for a job only once the environment's branch
  # policy admits the run's ref. A tag named like the default branch has that branch's name in
  # head_branch, but it is no branch, and the policy turns it away. Each deployment's statuses link
  # the job that made it (log_url, target_url before it): a job of this attempt, whose conclusion is
  # the deployment's. DEPLOY_ENVIRONMENTS lists the environments nearest first: the furthest wins.
  sha=$(jq -r '.workflow_run.head_sha' "$event_file")
  jobs=$(gh api --paginate "repos/${repository}/actions/runs/${run_id}/attempts/${attempt}/jobs?per_page=100" --jq '.jobs[] | {id, conclusion}' | jq -sc '.')
  found='[]'
  rank=0
  for environment in $DEPLOY_ENVIRONMENTS; do
    for deployment_id in $(gh api --paginate "repos/${repository}/deployments?sha=${sha}&environment=${environment}&per_page=100" --jq '.[].id'); do
      job_ids=$(gh api --paginate "repos/${repository}/deployments/${deployment_id}/statuses?per_page=100" --jq '.[] | .log_url, .target_url' |
        jq -Rsc --arg run "/${repository}/actions/runs/${run_id}/job/" '[split("\n")[] | select(contains($run)) | split($run)[1] | capture("^(?<id>[0-9]+)").id | tonumber] | unique')
      found=$(jq -c --argjson jobs "$jobs" --argjson ids "$job_ids" --arg environment "$environment" --argjson rank "$rank" \
        '. + [$jobs[] | select(.id as $id | any($ids[]; . == $id)) | select(.conclusion != null and .conclusion != "skipped") | {environment: $environment, conclusion, rank: $rank}]' <<< "$found")
    done
    rank=$((rank + 1))
  done
  deployment=$(jq -c 'if length == 0 then null else max_by(.rank) | {environment, conclusion} end' <<< "$found")
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
