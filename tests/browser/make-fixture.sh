#!/usr/bin/env bash
# Rebuilds tests/fixtures/audit/: a ledger with every kind of entry (deploys,
# a redeploy, a rollback, a snapshot, a lock and its unlock, a void) and more
# entries than one timeline window holds, recorded by the real binary
# against moto_server. The browser check and the HTML tests read it.
#
#   tests/browser/make-fixture.sh target/debug/ledger
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
out="$root/tests/fixtures/audit"
work="$(mktemp -d)"
trap 'kill "$moto_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
moto_server -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
moto_pid=$!
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
  AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true LEDGER_DEPLOYED_BY="Audit Fixture" \
  GIT_AUTHOR_NAME=Dev GIT_AUTHOR_EMAIL=dev@example.com GIT_COMMITTER_NAME=Dev GIT_COMMITTER_EMAIL=dev@example.com
for _ in $(seq 50); do curl -fs "$AWS_ENDPOINT_URL/moto-api/" >/dev/null 2>&1 && break; sleep 0.2; done

aws_py() { python3 -c "import boto3,sys; s3=boto3.client('s3'); $1" "${@:2}"; }
aws_py "s3.create_bucket(Bucket='audit-site'); s3.put_bucket_versioning(Bucket='audit-site', VersioningConfiguration={'Status':'Enabled'})"
dist="$(python3 - <<'PY'
import boto3
cf = boto3.client('cloudfront')
d = cf.create_distribution(DistributionConfig={'CallerReference':'audit','Comment':'','Enabled':True,
  'Origins':{'Quantity':1,'Items':[{'Id':'s3','DomainName':'audit-site.s3.amazonaws.com','S3OriginConfig':{'OriginAccessIdentity':''}}]},
  'DefaultCacheBehavior':{'TargetOriginId':'s3','ViewerProtocolPolicy':'allow-all','ForwardedValues':{'QueryString':False,'Cookies':{'Forward':'none'}},'MinTTL':0,'TrustedSigners':{'Enabled':False,'Quantity':0}}})
print(d['Distribution']['Id'])
PY
)"
put() { aws_py "s3.put_object(Bucket='audit-site', Key=sys.argv[1], Body=sys.argv[2].encode(), ContentType='application/javascript')" "$1" "$2"; }

cd "$work"
git init -q -b main . && git commit -q --allow-empty -m "chore: start"
"$bin" --quiet init
cat > ledger/ledger.toml <<TOML
[project]
title = "Audit Fixture"

[environments.production]
bucket = "audit-site"
distribution = "$dist"

[environments.staging]
bucket = "audit-site-staging"
TOML
ledger() { "$bin" --quiet "$@"; }
deploy() { # version, file body, change, [--at T]
  put widget.js "$2"; put "app-$1.css" "css $1"
  git commit -q --allow-empty -m "feat: $3" && git tag "$1"
  ledger record --env production --invalidate "/*" "${@:4}"
}
# Past instants first: the rollback and what follows it happen now.
deploy v1.0.0 "one" "first release" --at 2026-09-01T10:00:00Z
deploy v1.1.0 "two" "faster widget" --at 2026-09-15T10:00:00Z
deploy v1.2.0 "three" "new theme" --at 2026-10-01T10:00:00Z
ledger snapshot --env production
ledger rollback --env production --to v1.1.0 --yes >/dev/null
ledger lock --env production --reason "investigating the theme"
ledger unlock --env production
deploy v1.2.1 "four" "theme fixed"
put widget.js "four-again"
ledger record --env production --version v1.2.1 --redeploy
for i in $(seq 1 44); do
  git commit -q --allow-empty -m "fix: staging change $i"
  ledger record --env staging --no-aws --version "v2.0.0-rc.$i" --at "2026-10-$(printf %02d $(( (i - 1) / 2 + 1 )))T$(printf %02d $(( 8 + ((i - 1) % 2) * 6 ))):00:00Z"
done
ledger void '#'"$(ledger log -n 1 --format jsonl | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["seq"])')" --reason "recorded the wrong rc"
rm -rf "$out" && mkdir -p "$out"
cp ledger/ledger.toml ledger/journal.toml "$out/"
"$bin" --ledger "$out" verify --no-git
echo "wrote $out ($("$bin" --ledger "$out" log --format jsonl | wc -l) entries)" >&2
