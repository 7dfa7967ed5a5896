set -euo pipefail
python -m pip install --upgrade pip
# The application's requirements, and the platform's tools pinned as tool==version (PYTHON_TOOLS).
if [[ -n "${REQUIREMENTS_FILE:-}" ]]; then python -m pip install -r "$REQUIREMENTS_FILE"; fi
if [[ -n "${PYTHON_TOOLS:-}" ]]; then read -ra tools <<< "$PYTHON_TOOLS"; python -m pip install "${tools[@]}"; fi
