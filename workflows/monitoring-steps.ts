/**
 * The monitoring pipeline's platform steps: check the metrics file the drift calculation wrote,
 * store it as a row of `ml_metrics`, and compare drift with the alert threshold.
 *
 * The metrics file is one JSON object:
 * `{ "timestamp": "2026-11-29T06:00:00Z", "model_name": "…", "prediction_drift": 0.12,
 *    "num_drifted_columns": 2, "share_missing_values": 0.01, "dataset_drift": false,
 *    "drift_score": 0.31 }`
 */
import type { Step } from "./model";
import { script } from "./steps";

/** Field → JSON type of the metrics file, in the order errors are reported. */
export const METRICS_FIELDS: Readonly<Record<string, "string" | "number" | "boolean">> = Object.freeze({
  timestamp: "string",
  model_name: "string",
  prediction_drift: "number",
  num_drifted_columns: "number",
  share_missing_values: "number",
  dataset_drift: "boolean",
  drift_score: "number",
});

/** Fails, naming every missing or mistyped field, unless `file` holds a well-formed metrics object. */
export function validateMetrics(file: string): Step {
  const checks = Object.entries(METRICS_FIELDS)
    .map(([field, type]) => `need("${field}"; "${type}")`)
    .join(", ");
  return {
    name: "Check the metrics file",
    env: { METRICS_FILE: file },
    run: script(
      "# Each field with the JSON type it must have; one line per problem.",
      `filter='def need(f; t): if (.[f] | type) == t then empty else "\\(f) must be a \\(t), got \\(.[f] | type)" end;`,
      `  if type != "object" then "the file must hold one JSON object" else ${checks} end'`,
      'if ! problems=$(jq -r "$filter" "$METRICS_FILE"); then',
      '  echo "::error file=$METRICS_FILE::$METRICS_FILE is missing or is not JSON."',
      "  exit 1",
      "fi",
      'if [[ -n "$problems" ]]; then',
      '  while IFS= read -r problem; do echo "::error file=$METRICS_FILE::$problem"; done <<< "$problems"',
      "  exit 1",
      "fi",
    ),
  };
}

/**
 * Inserts the file as one row. psql's `:'name'` quotes each value as a literal, so nothing in the
 * file can change the statement.
 */
export function writeMetrics(file: string, databaseUrl: string): Step {
  const columns = Object.keys(METRICS_FIELDS);
  return {
    name: "Store the metrics in ml_metrics",
    env: { METRICS_FILE: file, METRICS_DATABASE_URL: databaseUrl },
    run: script(
      'if [[ -z "$METRICS_DATABASE_URL" ]]; then',
      '  echo "::error::METRICS_DATABASE_URL is not set: the metrics cannot be stored."',
      "  exit 1",
      "fi",
      "psql_args=()",
      `for field in ${columns.join(" ")}; do`,
      '  psql_args+=(-v "${field}=$(jq -r --arg f "$field" \'.[$f] | tostring\' "$METRICS_FILE")")',
      "done",
      'psql "$METRICS_DATABASE_URL" --no-psqlrc --quiet -v ON_ERROR_STOP=1 "${psql_args[@]}" <<\'SQL\'',
      `INSERT INTO ml_metrics (${columns.join(", ")})`,
      `VALUES (${columns.map((column) => `:'${column}'`).join(", ")});`,
      "SQL",
      'echo "Stored the metrics of $(jq -r .timestamp "$METRICS_FILE")."',
    ),
  };
}

/** Outputs `drift_score` and `drift_detected` (`true` when the score exceeds the threshold). */
export function compareDrift(file: string, threshold: string): Step {
  return {
    id: "drift",
    name: "Compare drift with the alert threshold",
    env: { METRICS_FILE: file, ALERT_THRESHOLD: threshold },
    run: script(
      'score=$(jq -r .drift_score "$METRICS_FILE")',
      'if jq -e --argjson threshold "$ALERT_THRESHOLD" \'.drift_score > $threshold\' "$METRICS_FILE" > /dev/null; then',
      "  detected=true",
      '  echo "::warning title=Drift detected::drift score $score exceeds the threshold $ALERT_THRESHOLD"',
      "else",
      "  detected=false",
      "fi",
      '{ echo "drift_score=$score"; echo "drift_detected=$detected"; } >> "$GITHUB_OUTPUT"',
    ),
  };
}
