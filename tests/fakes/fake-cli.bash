# shellcheck shell=bash
# Fake `aws`, `curl`, `docker`, `pulumi` and `gh`, and the virtual clock of `date +%s` and `sleep`,
# as shell functions: tests/workflow-runner.ts has every bash of a job read this file (BASH_ENV),
# so a call starts no process. The fakes themselves (tests/fakes/fake-cli.js) run in the test's own
# process, which listens on FAKE_CLI_PORT; a call reaches them through bash's /dev/tcp.
#
# The functions run inside the step's own shell, under its `set -euo pipefail`: every command here
# must succeed or be tested, and every variable is local.

# Sends one call — the process that makes it, its working directory, the words of its command line
# and its exported environment, each ended by a NUL, an empty field after the environment — and
# prints what the fake answers: the exit code, stdout and stderr, each ended by a NUL. A fake that
# reads standard input reads the caller's through /proc.
_fake_cli() {
  local _fake_fd _fake_name _fake_code _fake_out _fake_err
  local -a _fake_env=()
  # Every exported variable: bash lists names by their first character only.
  for _fake_name in "${!A@}" "${!B@}" "${!C@}" "${!D@}" "${!E@}" "${!F@}" "${!G@}" "${!H@}" "${!I@}" "${!J@}" "${!K@}" "${!L@}" "${!M@}" \
    "${!N@}" "${!O@}" "${!P@}" "${!Q@}" "${!R@}" "${!S@}" "${!T@}" "${!U@}" "${!V@}" "${!W@}" "${!X@}" "${!Y@}" "${!Z@}" "${!_@}" \
    "${!a@}" "${!b@}" "${!c@}" "${!d@}" "${!e@}" "${!f@}" "${!g@}" "${!h@}" "${!i@}" "${!j@}" "${!k@}" "${!l@}" "${!m@}" \
    "${!n@}" "${!o@}" "${!p@}" "${!q@}" "${!r@}" "${!s@}" "${!t@}" "${!u@}" "${!v@}" "${!w@}" "${!x@}" "${!y@}" "${!z@}"; do
    if [[ -v "$_fake_name" && "${!_fake_name@a}" == *x* ]]; then _fake_env+=("${_fake_name}=${!_fake_name}"); fi
  done
  if ! exec {_fake_fd}<>"/dev/tcp/127.0.0.1/${FAKE_CLI_PORT:?}"; then
    echo "fake-cli: the fakes do not answer on port ${FAKE_CLI_PORT}" >&2
    return 127
  fi
  # One printf: one write for the whole call.
  printf '%s\0' "$BASHPID" "$PWD" "$#" "$@" "${_fake_env[@]}" "" >&"$_fake_fd"
  # Read with -u: the fake may be reading this process's standard input meanwhile.
  if ! { IFS= read -r -d '' -u "$_fake_fd" _fake_code && IFS= read -r -d '' -u "$_fake_fd" _fake_out && IFS= read -r -d '' -u "$_fake_fd" _fake_err; }; then
    exec {_fake_fd}>&-
    echo "fake-cli: no answer to $*" >&2
    return 127
  fi
  exec {_fake_fd}>&-
  printf '%s' "$_fake_out"
  printf '%s' "$_fake_err" >&2
  return "$_fake_code"
}

aws() { _fake_cli aws "$@"; }
curl() { _fake_cli curl "$@"; }
docker() { _fake_cli docker "$@"; }
pulumi() { _fake_cli pulumi "$@"; }
gh() { _fake_cli gh "$@"; }

# Waiting loops sleep and read the time: the clock moves only when a step sleeps, so a ten-minute
# bake passes in milliseconds and the same way every time.
sleep() {
  local _fake_now
  read -r _fake_now < "$FAKE_CLOCK" || true
  echo $((_fake_now + ${1%s})) > "$FAKE_CLOCK"
}

date() {
  local _fake_now
  if [[ "${1:-}" == "+%s" ]]; then
    read -r _fake_now < "$FAKE_CLOCK" || true
    echo "$_fake_now"
  else
    command /bin/date "$@"
  fi
}
