set -euo pipefail
# Applies PATCH_FILE, written by the job that moved the pins, to the index and the checkout, and
# keeps it only if all it does is modify files listed in UPDATABLE_PATHS (one path a line): the
# pins and the files rendered from them. That job ran npm's packages; whatever else its patch
# holds is not a pin's doing, and this job pushes as an App whose commits start workflows.
if [[ ! -s "$PATCH_FILE" ]]; then
  echo "::error::The update job moved pins but handed over no patch (${PATCH_FILE} is missing or empty): see its 'Write the change as a patch' step."
  exit 1
fi
if ! git apply --index "$PATCH_FILE"; then
  echo "::error::The update job's patch does not apply to this job's checkout of ${GITHUB_SHA:-the same commit}: see git's message above. Run update-actions.yml again."
  exit 1
fi

declare -A updatable=()
while IFS= read -r line; do
  [[ -n "$line" ]] && updatable["$line"]=1
done <<< "$UPDATABLE_PATHS"

# One record per file: ":<old mode> <new mode> <old blob> <new blob> <status>" then the path.
problems=()
changed=0
while IFS= read -r -d '' record && IFS= read -r -d '' file; do
  changed=$((changed + 1))
  read -r old_mode new_mode _ _ status <<< "${record#:}"
  if [[ -z "${updatable[$file]+set}" ]]; then
    problems+=("${file}: not a file a pin reaches")
  elif [[ "$status" != M ]]; then
    problems+=("${file}: added, deleted or changed in type (status ${status}), where only its content may change")
  elif [[ "$old_mode" != 100644 || "$new_mode" != 100644 ]]; then
    problems+=("${file}: mode ${old_mode} to ${new_mode}, where it stays a regular file (100644)")
  fi
done < <(git diff --cached --raw --no-renames -z)

if ((${#problems[@]} > 0)); then
  echo "::error::The update job's patch changes more than the pins and the files rendered from them; nothing was pushed:"
  printf '  • %s\n' "${problems[@]}"
  echo "Only these may change: ${UPDATABLE_PATHS//$'\n'/, }. Is a generated file stale on main (run \`npm run gen\` there and commit), or did the update job run something it should not have?"
  exit 1
fi
if ((changed == 0)); then
  echo "::error::The update job's patch changes nothing, yet it reported moved pins: see its 'Write the change as a patch' step."
  exit 1
fi
echo "Applied the update job's patch: ${changed} files, all of them the pins' or rendered from them."
