#!/usr/bin/env bash
# Start PostgreSQL, Redis and a Chroma server on loopback for the team-service tests (CI and local).
set -euo pipefail
ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | grep -q "^$ver main"; then pg_createcluster "$ver" main >/dev/null; fi
pg_ctlcluster "$ver" main start || true
for i in $(seq 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
su postgres -c "psql -qtc \"SELECT 1 FROM pg_roles WHERE rolname='callreview'\"" | grep -q 1 \
  || su postgres -c "psql -q -c \"CREATE USER callreview PASSWORD 'callreview' CREATEDB\""
su postgres -c "psql -qtc \"SELECT 1 FROM pg_database WHERE datname='callreview_test'\"" | grep -q 1 \
  || su postgres -c "createdb -O callreview callreview_test"
redis-cli -p 6390 ping >/dev/null 2>&1 || redis-server --port 6390 --bind 127.0.0.1 --save '' --daemonize yes >/dev/null
up() { python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8765/api/v2/heartbeat', timeout=2)" 2>/dev/null; }
data=$(mktemp -d /tmp/callreview-chroma-XXXX)
if ! up; then
  nohup chroma run --path "$data" --host 127.0.0.1 --port 8765 >/tmp/callreview-chroma.log 2>&1 &
  for i in $(seq 60); do up && break; sleep 1; done
fi
up || { echo "chroma server did not start"; tail -20 /tmp/callreview-chroma.log; exit 1; }
echo "team services: PostgreSQL $ver, Redis :6390, Chroma :8765"
