#!/usr/bin/env bash
# `make run`: starts sccd on loopback with its data in ./data and loads the demo local authority
# through the API (once: a second run finds every command already recorded). Ctrl-C stops the
# server gracefully.
set -euo pipefail
BUILD=${BUILD:-build}
DATA=${DATA:-data}
LISTEN=${LISTEN:-127.0.0.1:50051}
HTTP_LISTEN=${HTTP_LISTEN:-127.0.0.1:8080}

"$BUILD/services/server/sccd" --listen "$LISTEN" --http-listen "$HTTP_LISTEN" --data "$DATA" \
  --tokens deploy/dev-tokens.txt --report-authority "Demo Borough Council (invented demo data)" \
  --retention-schedule deploy/retention.txt &
pid=$!
stop() { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" || true; }
trap 'stop; exit 0' INT TERM

if ! "$BUILD/clients/scc-demo-load" --server "$LISTEN"; then
  echo "run-local: loading the demo data failed; stopping sccd" >&2
  stop
  exit 1
fi
cat <<TXT

sccd is serving the demo authority on $LISTEN (data in $DATA). Ctrl-C stops it.
Web console: http://$HTTP_LISTEN/ (sign in with a token below); JSON API beside it
(docs/http-api.md), e.g.
  curl -H 'Authorization: Bearer dev-hosi' -H 'Content-Type: application/json' \
    -d '{"urn": "100104"}' \
    http://$HTTP_LISTEN/v1/scc.v1.AuditService/GetWorkflowState
Development tokens (deploy/dev-tokens.txt): dev-hosi, dev-lead-officer, dev-srg,
dev-early-years, dev-auditor, dev-reader, dev-service — send 'authorization: Bearer <token>'.
Try:  SCC_TOKEN=dev-hosi $BUILD/clients/sccctl list --data '{"causing_concern": true}'
      SCC_TOKEN=dev-hosi $BUILD/clients/sccctl report --term 2025-autumn --format html > report.html
TXT
wait "$pid"
