set -euo pipefail
mapfile -t paths <<< "$LINT_PATHS"
isort --check-only --diff --profile black "${paths[@]}"
