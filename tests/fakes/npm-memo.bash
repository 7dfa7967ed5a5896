# shellcheck shell=bash
# The fake npm's memo (tests/workflow-runner.ts, RunJobOptions.npmMemo), sourced by the fake npm
# after it defines `run`: `npm_memo <script> <argument>…` answers as `run <argument>…` did.
#
# An entry is keyed by the script, the working directory and the arguments, with the job's own
# folders named generically, and by the content of every file an argument names: for commands that
# read nothing else, neither the environment nor standard input. A path argument
# inside the job's temporary folder that the command created is an output: copied into the entry,
# and back on a replay. Output that names the temporary folder names the replaying job's.

npm_memo() {
  local script=$1 key entry code arg shown i temp target out err
  shift
  local -a created=()
  key=$({
    printf '%s\0' "$script" "${PWD/#"$GITHUB_WORKSPACE"/<workspace>}"
    for arg in "$@"; do
      shown=${arg//"$GITHUB_WORKSPACE"/<workspace>}
      printf '%s\0' "${shown//"$RUNNER_TEMP"/<temp>}"
      # A file named by the argument, or after its `=` (pr-comment's --preview <stack>=<file>).
      if [[ -f "$arg" ]]; then sha256sum < "$arg"; fi
      if [[ "$arg" == *=* && -f "${arg#*=}" ]]; then sha256sum < "${arg#*=}"; fi
    done
  } | sha256sum | cut -c1-64)
  entry=$FAKE_NPM_MEMO/$key
  if [[ ! -f "$entry/code" ]]; then
    for arg in "$@"; do
      if [[ "$arg" == "$RUNNER_TEMP"/* && ! -e "$arg" ]]; then created+=("$arg"); fi
    done
    rm -rf "$entry.part"
    mkdir -p "$entry.part/files"
    code=0
    run "$@" > "$entry.part/stdout" 2> "$entry.part/stderr" || code=$?
    for i in "${!created[@]}"; do
      if [[ -e "${created[$i]}" ]]; then cp -a "${created[$i]}" "$entry.part/files/$i"; fi
    done
    printf '%s' "$RUNNER_TEMP" > "$entry.part/temp"
    printf '%s\n' "${created[@]}" > "$entry.part/created"
    echo "$code" > "$entry.part/code"
    mv "$entry.part" "$entry"
  fi
  temp=$(< "$entry/temp")
  created=()
  mapfile -t created < "$entry/created"
  for i in "${!created[@]}"; do
    if [[ -n "${created[$i]}" && -e "$entry/files/$i" ]]; then
      target=${created[$i]//"$temp"/"$RUNNER_TEMP"}
      mkdir -p "$(dirname "$target")"
      cp -a "$entry/files/$i" "$target"
    fi
  done
  IFS= read -r -d '' out < "$entry/stdout" || true
  IFS= read -r -d '' err < "$entry/stderr" || true
  printf '%s' "${out//"$temp"/"$RUNNER_TEMP"}"
  printf '%s' "${err//"$temp"/"$RUNNER_TEMP"}" >&2
  return "$(< "$entry/code")"
}
