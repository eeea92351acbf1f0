#!/usr/bin/env bash
# ci-record.sh: record a deploy in the ledger from a CI job, then publish it.
#
# Called by action.yml and by the GitLab CI recipe of docs/ci.md, from inside
# the repository, after the upload (`aws s3 sync`) is done:
#
#   scripts/ci-record.sh           check the lock, record, render, publish
#   scripts/ci-record.sh check     only the lock check (before the upload)
#
# Inputs (environment variables):
#
#   LEDGER_ENV         required: the environment deployed to (declared in ledger.toml)
#   LEDGER_VERSION     the version name (`record --version`); default: the tag on the commit
#   LEDGER_INVALIDATE  CloudFront paths to invalidate, separated by spaces (e.g. "/*");
#                      default: none
#   LEDGER_WAIT        true|false (default true): wait for that invalidation to complete
#   LEDGER_PUBLISH     sync|commit|none (default sync):
#                        sync    `ledger sync` before the check (to see locks taken
#                                elsewhere), then record, render the documents, commit
#                                them with the journal and `ledger sync` (the push is
#                                retried when another pipeline pushes first); documents
#                                the remote's tip makes stale are rendered again, committed
#                                and pushed
#                        commit  record, render the documents, commit them with the ledger
#                                folder; push nothing (push yourself, or open a merge request)
#                        none    record only; the journal is left changed in the working tree
#   LEDGER_DOCUMENTS   documents to render, NAME=FILE separated by spaces, FILE relative
#                      to the repository's top (default:
#                      "aws-versions=AWS_VERSIONS.md changelog=CHANGELOG.md"; "" for none).
#                      List the same files in `[changelog] documents` of ledger.toml.
#   LEDGER_BRANCH      the branch that holds the journal (sync); default: the current
#                      branch, else $CI_COMMIT_BRANCH (GitLab); required on a detached HEAD
#   LEDGER_REMOTE      the git remote (sync); default origin
#   LEDGER_ARGS        more `ledger record` arguments, separated by spaces (no quoting),
#                      e.g. "--build-time 2026-01-05T10:00:00Z" or "--redeploy"
#   LEDGER_BIN         the ledger binary; default `ledger` on the PATH
#   LEDGER_RETRIES     runs of `ledger record` and `ledger sync` while they exit 3
#                      (worth a retry); default 3
#   LEDGER_DIR         the ledger folder (read by ledger itself); default ledger/ at the top
#
# The commit recorded is HEAD when the script starts (passed as --commit), even
# though `ledger sync` may fast-forward the branch afterwards.
#
# Exit codes: 0 done; 1 the environment is locked (nothing recorded); 2 a usage
# or input error; 3 AWS, the network or the remote failed in a way worth a
# retry, LEDGER_RETRIES times (default 3) in a row; any other failing
# command's exit code as it is. `ledger record` and `ledger sync` are run
# again, after a pause, when they exit 3 (and only then). What it does goes
# to stderr, each command prefixed with `+`.

set -euo pipefail

say() { printf 'ci-record: %s\n' "$*" >&2; }
die() {
  local code=$1
  shift
  say "error: $*"
  exit "$code"
}
# Prints a command, then runs it.
run() {
  local shown
  shown=$(printf ' %q' "$@")
  printf '+%s\n' "$shown" >&2
  "$@"
}

# Runs a ledger command; again, after 2, 4... seconds, while it exits 3 (a
# failure worth a retry), at most LEDGER_RETRIES times in all.
retried() {
  local attempt=1 code=0
  while :; do
    code=0
    run "$@" || code=$?
    if [ "$code" -ne 3 ] || [ "$attempt" -ge "${LEDGER_RETRIES:-3}" ]; then
      return "$code"
    fi
    say "note: exit 3 (worth a retry): running it again in $((attempt * 2)) s"
    sleep $((attempt * 2))
    attempt=$((attempt + 1))
  done
}

usage() {
  sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2
}

mode=record
case "${1:-}" in
  '' | record) ;;
  check) mode=check ;;
  -h | --help)
    usage
    exit 0
    ;;
  *)
    usage
    die 2 "unknown argument \`$1\`: expected \`record\` (the default) or \`check\`"
    ;;
esac
[ "$#" -le 1 ] || die 2 "one argument at most (\`record\` or \`check\`); inputs are environment variables"

# --- inputs -------------------------------------------------------------------

env_name=${LEDGER_ENV:-}
[ -n "$env_name" ] || die 2 "LEDGER_ENV is not set: name the environment deployed to (declared in ledger.toml)"
version=${LEDGER_VERSION:-}
publish=${LEDGER_PUBLISH:-sync}
case "$publish" in
  sync | commit | none) ;;
  *) die 2 "LEDGER_PUBLISH is \`$publish\`: expected sync, commit or none" ;;
esac
case "${LEDGER_WAIT:-true}" in
  true | TRUE | True | 1 | yes) wait=true ;;
  false | FALSE | False | 0 | no | '') wait=false ;;
  *) die 2 "LEDGER_WAIT is \`$LEDGER_WAIT\`: expected true or false" ;;
esac
read -r -a invalidate <<<"${LEDGER_INVALIDATE:-}" || true
read -r -a extra <<<"${LEDGER_ARGS:-}" || true
read -r -a documents <<<"${LEDGER_DOCUMENTS-aws-versions=AWS_VERSIONS.md changelog=CHANGELOG.md}" || true
remote=${LEDGER_REMOTE:-origin}

# Each document as NAME=FILE; a bare FILE named after the two built-in ones.
doc_names=()
doc_files=()
for doc in ${documents[@]+"${documents[@]}"}; do
  case "$doc" in
    *=*) name=${doc%%=*} file=${doc#*=} ;;
    AWS_VERSIONS.md | */AWS_VERSIONS.md) name=aws-versions file=$doc ;;
    CHANGELOG.md | */CHANGELOG.md) name=changelog file=$doc ;;
    *) die 2 "LEDGER_DOCUMENTS: cannot tell which document \`$doc\` is: write NAME=FILE (e.g. changelog=$doc)" ;;
  esac
  [ -n "$name" ] && [ -n "$file" ] || die 2 "LEDGER_DOCUMENTS: \`$doc\` is not NAME=FILE"
  doc_names+=("$name")
  doc_files+=("$file")
done

ledger=${LEDGER_BIN:-ledger}
command -v "$ledger" >/dev/null 2>&1 ||
  die 2 "cannot run \`$ledger\`: install ledger (cargo install --locked --path PATH-TO-LEDGER) or set LEDGER_BIN"

# --- where --------------------------------------------------------------------

top=$(git rev-parse --show-toplevel 2>/dev/null) ||
  die 2 "$(pwd) is not in a git repository: run this from the checkout of the deployed commit"
# LEDGER_DIR relative to where the script was started, before moving to the top.
if [ -n "${LEDGER_DIR:-}" ]; then
  [ -d "$LEDGER_DIR" ] || die 2 "LEDGER_DIR is \`$LEDGER_DIR\`, which is not a folder"
  LEDGER_DIR=$(cd "$LEDGER_DIR" && pwd)
  export LEDGER_DIR
  ledger_dir=$LEDGER_DIR
else
  ledger_dir=ledger
fi
cd "$top"
deployed=$(git rev-parse --verify HEAD) || die 2 "the repository has no commit"

# git commits need an identity; CI checkouts often have none.
if [ -z "${GIT_COMMITTER_EMAIL:-}" ] && ! git config user.email >/dev/null; then
  export GIT_AUTHOR_NAME=${GIT_AUTHOR_NAME:-ledger} GIT_COMMITTER_NAME=${GIT_COMMITTER_NAME:-ledger}
  export GIT_AUTHOR_EMAIL=${GIT_AUTHOR_EMAIL:-ledger@localhost} GIT_COMMITTER_EMAIL=ledger@localhost
fi

branch=
if [ "$publish" = sync ]; then
  current=$(git symbolic-ref -q --short HEAD || true)
  branch=${LEDGER_BRANCH:-${current:-${CI_COMMIT_BRANCH:-}}}
  [ -n "$branch" ] ||
    die 2 "HEAD is on no branch (a tag or a detached checkout): set LEDGER_BRANCH to the branch that holds the journal"
  if [ -z "$current" ] && git fetch -q "$remote" "$branch" 2>/dev/null &&
    git merge-base --is-ancestor HEAD FETCH_HEAD; then
    # GitLab (and tag builds) check out a detached HEAD: when the deployed
    # commit is on the branch, put the branch here, so that `ledger sync`
    # moves it along and carries the documents' commit.
    run git checkout -q -B "$branch"
  fi
fi

ledger_sync() {
  retried "$ledger" sync --remote "$remote" --branch "$branch"
}

# --- the lock -----------------------------------------------------------------

if [ "$publish" = sync ]; then
  say "bringing in the entries and locks others published"
  ledger_sync
fi
status=0
run "$ledger" check --env "$env_name" || status=$?
case "$status" in
  0) ;;
  1)
    if [ "$mode" = check ]; then
      die 1 "\`$env_name\` is locked (see above): do not deploy"
    fi
    die 1 "\`$env_name\` is locked (see above): nothing recorded"
    ;;
  *) exit "$status" ;;
esac
[ "$mode" = record ] || exit 0

# --- the record ---------------------------------------------------------------

cmd=("$ledger" record --env "$env_name" --commit "$deployed")
[ -z "$version" ] || cmd+=(--version "$version")
if [ "${#invalidate[@]}" -gt 0 ]; then
  cmd+=(--invalidate "${invalidate[@]}")
  [ "$wait" = false ] || cmd+=(--wait)
fi
cmd+=(${extra[@]+"${extra[@]}"})
retried "${cmd[@]}"

# --- the documents and the publication ----------------------------------------

# Renders every document; stages them with the ledger folder.
render() {
  local i
  for i in ${doc_files[@]+"${!doc_files[@]}"}; do
    mkdir -p "$(dirname "${doc_files[$i]}")"
    run "$ledger" render "${doc_names[$i]}" -o "${doc_files[$i]}"
  done
  run git add -A -- "$ledger_dir" ${doc_files[@]+"${doc_files[@]}"}
}

# Commits the ledger folder and the documents when they changed; returns 1 when
# there was nothing to commit (and exits when git fails).
commit() {
  if git diff --cached --quiet -- "$ledger_dir" ${doc_files[@]+"${doc_files[@]}"}; then
    return 1
  fi
  run git commit -q -m "$1" -- "$ledger_dir" ${doc_files[@]+"${doc_files[@]}"} || exit $?
}

message="ledger: record $env_name${version:+ $version}"
case "$publish" in
  none)
    say "recorded; LEDGER_PUBLISH=none: the journal is changed here, not committed"
    ;;
  commit)
    render
    if commit "$message"; then
      say "committed the ledger and the documents at $(git rev-parse --short HEAD); push it yourself"
    else
      say "nothing to commit"
    fi
    ;;
  sync)
    if [ "${#doc_files[@]}" -eq 0 ]; then
      ledger_sync
      exit 0
    fi
    # Committed before the sync, the documents travel in its commit.
    render
    commit "$message" || true
    ledger_sync
    # The remote's tip may hold entries or commits the documents predate (they
    # were rendered before what others pushed): render there again, push.
    attempt=0
    while :; do
      attempt=$((attempt + 1))
      run git fetch -q "$remote" "$branch"
      if [ "$(git rev-parse HEAD)" != "$(git rev-parse FETCH_HEAD)" ]; then
        run git checkout -q -B "$branch" FETCH_HEAD
        ledger_sync
      fi
      render
      if ! commit "ledger: render documents"; then
        say "published; the documents on $remote/$branch are up to date"
        break
      fi
      if run git push -q "$remote" "HEAD:refs/heads/$branch"; then
        say "published; pushed the documents, rendered again, to $remote/$branch"
        break
      fi
      if [ "$attempt" -ge 5 ]; then
        say "warning: the entry is published, but the documents on $remote/$branch could not be updated after $attempt attempts:"
        say "warning: \`ledger render NAME -o FILE\`, commit and push them (the next run does it too)"
        break
      fi
      say "note: $remote/$branch moved (attempt $attempt); rendering again"
      sleep $((attempt * 2))
    done
    ;;
esac
