set -euo pipefail
if [[ ! "$VALUE" =~ $PATTERN ]]; then
  # Line breaks would let the value start a workflow command of its own.
  shown=${VALUE//[$'\r\n']/ }
  echo "::error title=Invalid input::${INPUT_NAME} must be ${EXPECTED}, got '${shown}'"
  exit 1
fi
