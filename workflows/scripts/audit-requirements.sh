set -euo pipefail
# pip-audit over each dependency file the workflows install (REQUIREMENTS_FILES, one a line); a
# Pipfile.lock through its export with hashes, which pip-audit reads as a requirements file. Every
# file is audited even when one before it has findings.
mapfile -t files <<< "$REQUIREMENTS_FILES"
status=0
for file in "${files[@]}"; do
  audited="$file"
  if [[ "$(basename "$file")" == Pipfile.lock ]]; then
    audited=$(mktemp)
    PIPENV_PIPFILE="$PWD/$(dirname "$file")/Pipfile" pipenv requirements --hash > "$audited"
  fi
  echo "pip-audit: $file"
  pip-audit --requirement "$audited" --strict --progress-spinner off || status=1
done
exit "$status"
