set -euo pipefail
mapfile -t paths <<< "$LINT_PATHS"
pylint --recursive=y --fail-under=8.0 "${paths[@]}"
