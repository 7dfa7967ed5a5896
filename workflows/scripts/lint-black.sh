set -euo pipefail
mapfile -t paths <<< "$LINT_PATHS"
black --check --diff "${paths[@]}"
