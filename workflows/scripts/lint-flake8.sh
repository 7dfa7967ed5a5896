set -euo pipefail
mapfile -t paths <<< "$LINT_PATHS"
flake8 --max-line-length 100 "${paths[@]}"
