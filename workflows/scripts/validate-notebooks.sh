set -euo pipefail
python - <<'PY'
import glob, os, sys
import nbformat
roots = [p for p in os.environ["NOTEBOOK_PATHS"].splitlines() if p]
notebooks = sorted({nb for root in roots for nb in glob.glob(os.path.join(root, '**', '*.ipynb'), recursive=True)
                    if '.ipynb_checkpoints' not in nb})
invalid = 0
for nb in notebooks:
    try:
        nbformat.validate(nbformat.read(nb, as_version=4))
    except Exception as err:  # nbformat raises several error types for broken files
        invalid += 1
        print(f'::error file={nb}::{type(err).__name__}: {err}'.replace('\n', ' '))
print(f'{len(notebooks)} notebooks checked, {invalid} invalid')
sys.exit(1 if invalid else 0)
PY
