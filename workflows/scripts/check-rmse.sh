set -euo pipefail
rmse=$(jq -er '.metrics.rmse | numbers' "$TRAINING_FILE") || {
  echo "::error file=$TRAINING_FILE::training.json has no numeric metrics.rmse"; exit 1; }
if jq -e --argjson max "$MAX_RMSE" '.metrics.rmse <= $max' "$TRAINING_FILE" > /dev/null; then
  echo "Validation RMSE $rmse is within the limit of $MAX_RMSE."
else
  echo "::error title=Model rejected::validation RMSE $rmse exceeds the limit of $MAX_RMSE"
  exit 1
fi
