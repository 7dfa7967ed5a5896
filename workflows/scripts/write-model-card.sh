set -euo pipefail
{
  echo "# Model card: ${MODEL_NAME} version ${REGISTRY_VERSION}"
  echo
  echo "| | |"
  echo "| --- | --- |"
  echo "| Algorithm | ${MODEL_TYPE} |"
  echo "| Training data | NYC taxi trips, ${DATA_MONTH} |"
  echo "| MLflow experiment | ${EXPERIMENT_NAME} |"
  echo "| MLflow run | $(jq -r .run_id "$TRAINING_FILE") |"
  echo "| Source commit | ${GITHUB_SHA} |"
  echo "| Workflow run | ${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID} |"
  echo
  echo "## Metrics"
  echo
  jq -r '.metrics | to_entries[] | "- \(.key): \(.value)"' "$TRAINING_FILE"
  echo
  echo "Deploy it with deploy-service, \`model_version: ${REGISTRY_VERSION}\`; or tag it \`release=vX.Y.Z\` in the registry and deploy that release."
} > "$OUTPUT_DIR/model-card.md"
cat "$OUTPUT_DIR/model-card.md" >> "$GITHUB_STEP_SUMMARY"
