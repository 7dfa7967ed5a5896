set -euo pipefail
# Commits the index (the moved pins and their re-rendered files, as apply-update-patch.sh checked
# them) as AUTHOR on BRANCH (main plus this one commit), pushes it with the App's token GH_TOKEN and
# opens, or updates, the one pull request from BRANCH into BASE.
email="${AUTHOR}@users.noreply.github.com"
# git reads the App's token from the environment through this helper: it is never written to
# .git/config or put on a command line. The checkout's empty helper list is reset first.
# shellcheck disable=SC2016 # $GH_TOKEN is the helper's to expand, when git asks it
auth=(-c credential.helper= -c 'credential.helper=!f() { test "$1" = get && printf "username=x-access-token\npassword=%s\n" "$GH_TOKEN"; }; f')

lease="refs/heads/${BRANCH}:"
if git "${auth[@]}" fetch --quiet --depth=1 origin "+refs/heads/${BRANCH}:refs/remotes/origin/${BRANCH}" 2> /dev/null; then
  remote=$(git rev-parse "refs/remotes/origin/${BRANCH}")
  # Someone pushed to the branch (adapting a step to a major release): their work is not this
  # job's to overwrite. The pull request stays as they left it until it is merged or closed.
  if [[ "$(git log -1 --format='%ae %ce' "$remote")" != "${email} ${email}" ]]; then
    echo "::warning::${BRANCH} has commits from someone else: left as it is. Merge or close its pull request; the next run starts it again from ${BASE}."
    exit 0
  fi
  lease="refs/heads/${BRANCH}:${remote}"
fi

git switch --quiet -C "$BRANCH"
# The index as checked, not the checkout: nothing the check did not see reaches the commit.
git -c user.name="$AUTHOR" -c user.email="$email" commit --quiet -m "$TITLE" -m "Moved by update-actions.yml; the releases and their notes are in the pull request."
if [[ "$lease" != *: ]] && git diff --quiet "${lease##*:}" HEAD; then
  echo "${BRANCH} already holds these pins: nothing to push."
else
  # With a lease: a push to the branch since the check above makes this one fail, not overwrite it.
  git "${auth[@]}" push --quiet --force-with-lease="$lease" origin "HEAD:refs/heads/${BRANCH}"
fi

number=$(gh pr list --repo "$GITHUB_REPOSITORY" --head "$BRANCH" --base "$BASE" --state open --json number --jq '.[0].number // empty')
if [[ -n "$number" ]]; then
  gh pr edit "$number" --repo "$GITHUB_REPOSITORY" --title "$TITLE" --body-file "$BODY_FILE"
  echo "Updated pull request #${number}."
else
  gh pr create --repo "$GITHUB_REPOSITORY" --base "$BASE" --head "$BRANCH" --title "$TITLE" --body-file "$BODY_FILE"
fi
