set -euo pipefail
python -m pip install --upgrade pip
# REQUIREMENTS_FILES, one a line: requirements files in one pip call (one resolution); a Pipfile.lock
# exported with its hashes and installed in hash-checking mode, into this Python, without a virtualenv.
files=()
if [[ -n "${REQUIREMENTS_FILES:-}" ]]; then mapfile -t files <<< "$REQUIREMENTS_FILES"; fi
requirements=()
locks=()
for file in "${files[@]}"; do
  if [[ ! -f "$file" ]]; then
    echo "::error title=Missing dependency file::$file is not in the repository: add it, or change the stack config that names it (docs/onboarding.md)."
    exit 1
  fi
  if [[ "$(basename "$file")" == Pipfile.lock ]]; then locks+=("$file"); else requirements+=(--requirement "$file"); fi
done
if (( ${#requirements[@]} > 0 )); then python -m pip install "${requirements[@]}"; fi
if (( ${#locks[@]} > 0 )); then python -m pip install "$PIPENV_REQUIREMENT"; fi
for lock in "${locks[@]}"; do
  exported=$(mktemp)
  PIPENV_PIPFILE="$PWD/$(dirname "$lock")/Pipfile" pipenv requirements --hash > "$exported"
  python -m pip install --require-hashes --requirement "$exported"
done
# The platform's tools, pinned as tool==version (PYTHON_TOOLS).
if [[ -n "${PYTHON_TOOLS:-}" ]]; then read -ra tools <<< "$PYTHON_TOOLS"; python -m pip install "${tools[@]}"; fi
# Separate pip calls can undo each other's pins: a conflict fails here, not in the application.
if (( ${#files[@]} > 1 )); then python -m pip check; fi
