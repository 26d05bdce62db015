#!/usr/bin/env bash
# Deploy step for a plain shell CI (GitLab CI, Jenkins, Buildkite, a cron job...): validate the
# files, apply pending migrations, say what the exit code means, and leave the result as JSON.
# MILVUS_ADDRESS and MILVUS_TOKEN come from the CI's secret store as environment variables;
# never put them on the command line, where other processes and logs could see them.
set -euo pipefail

: "${MILVUS_ADDRESS:?MILVUS_ADDRESS is not set: add it to the CI secret store}"
: "${MILVUS_TOKEN:?MILVUS_TOKEN is not set: add it to the CI secret store}"

# Exit 2 here means a file is invalid: nothing was sent to Milvus.
npx --no-install milvus-migrate validate --offline

# Run up without letting `set -e` stop the script, so the exit code can be explained.
# --allow-destructive: this step runs only after the change was reviewed (protected branch,
# manual approval); drop the flag to stop at any destructive step instead (exit 4).
status=0
npx --no-install milvus-migrate up --env production --allow-destructive --json --lock-timeout 600 > migrate-result.json || status=$?

# One line per migration from the JSON document (docs/json.md).
node -e '
  const r = JSON.parse(require("fs").readFileSync("migrate-result.json", "utf8"));
  for (const m of r.migrations ?? []) {
    const where = m.error ? ` at step ${m.error.stepIndex === null ? "?" : m.error.stepIndex + 1} ${m.error.step ?? ""}: ${m.error.message}` : "";
    console.log(`${m.status} ${m.name}${where}`);
  }
' || true

case "$status" in
  0) echo "milvus-migrate: done (or nothing to do)" ;;
  1) echo "milvus-migrate: a migration failed; its progress is recorded, the next up resumes at the failed step" >&2 ;;
  2) echo "milvus-migrate: invalid input (config, migration file, edited applied migration); nothing was changed" >&2 ;;
  3) echo "milvus-migrate: another run holds the lock; retry later (milvus-migrate unlock only if that run is dead)" >&2 ;;
  4) echo "milvus-migrate: destructive steps refused; review them, then pass --allow-destructive" >&2 ;;
  5) echo "milvus-migrate: cannot connect to or authenticate with Milvus; check the address and token" >&2 ;;
  *) echo "milvus-migrate: unexpected exit code $status" >&2 ;;
esac
exit "$status"
