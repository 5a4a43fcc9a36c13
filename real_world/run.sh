#!/bin/bash
# Re-runs conform against real, published servers (see REAL_WORLD.md). Outside CI: the installs
# are large. Everything lives under $RW (default /work/rw), servers bind 127.0.0.1 on a free
# port, and every run is bounded in time. Usage: real_world/run.sh [airflow] [prefect] [kinto] [parity]
#   airflow  conform against Apache Airflow 2.10.5 (fresh database) -> $RW/airflow.json
#   prefect  conform against Prefect 3.9.1 -> $RW/prefect.json
#   kinto    conform against Kinto 26.5.0 -> $RW/kinto.json
#   parity   Schemathesis against the same Airflow server (fresh database) -> $RW/st_report/, then
#            real_world/parity.py compares it with $RW/airflow.json
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
RW=${RW:-/work/rw}
CONFORM=${CONFORM:-$HERE/../target/debug/conform}
mkdir -p "$RW" && cd "$RW"
export AIRFLOW_HOME=$RW/airflow_home AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__API__AUTH_BACKENDS=airflow.api.auth.backend.basic_auth
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=sqlite:///$RW/airflow_home/airflow.db

# A port nobody holds now, so that several runs (and other servers) can share the machine.
free_port() {
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

# Installs Airflow once, keeps a freshly migrated database with the admin user as
# airflow.db.fresh, and starts the webserver on that copy. Sets AF_PORT and AF_PID.
airflow_start() {
  [ -x af/bin/airflow ] || { python3 -m venv af && timeout 1500 af/bin/pip install -q "apache-airflow==2.10.5"; }
  mkdir -p "$AIRFLOW_HOME"
  if [ ! -f airflow.db.fresh ]; then
    rm -f "$AIRFLOW_HOME/airflow.db"
    timeout 600 af/bin/airflow db migrate >/dev/null
    timeout 300 af/bin/airflow users create --username admin --password admin --firstname a --lastname b \
      --role Admin --email a@b.c >/dev/null
    cp "$AIRFLOW_HOME/airflow.db" airflow.db.fresh
  fi
  cp airflow.db.fresh "$AIRFLOW_HOME/airflow.db"
  AF_PORT=$(free_port)
  # setsid: the webserver forks gunicorn workers; airflow_stop ends the whole group.
  setsid af/bin/airflow webserver --hostname 127.0.0.1 --port "$AF_PORT" --workers 1 >af_server.log 2>&1 &
  AF_PID=$!
  for _ in $(seq 90); do curl -sf "http://127.0.0.1:$AF_PORT/api/v1/openapi.yaml" -o airflow.yaml && break; sleep 2; done
  echo "airflow on http://127.0.0.1:$AF_PORT"
}

airflow_stop() {
  [ -n "${AF_PID:-}" ] || return 0
  kill -- "-$AF_PID" 2>/dev/null || true
  AF_PID=
  sleep 2
}
trap airflow_stop EXIT

airflow() {
  airflow_start
  CONFORM_USERNAME=admin CONFORM_PASSWORD=admin timeout 1200 "$CONFORM" run --spec airflow.yaml \
    --target "http://127.0.0.1:$AF_PORT" --auth basic --seed 1 --cases 10 --no-snapshots \
    --report airflow.json >airflow.txt 2>&1 || true
  airflow_stop
  python3 -c 'import json,collections;d=json.load(open("airflow.json"));print("airflow", d["stats"], dict(collections.Counter(f["check"] for f in d["failures"])))'
}

# A free port on 127.0.0.1, picked at start (no fixed port).

# Counts of a report, for REAL_WORLD.md.
summary() {
  python3 -c 'import json,collections,sys;d=json.load(open(sys.argv[2]));print(sys.argv[1], d["stats"]["operations"], "of", d["stats"].get("operations_total"), "operations,", d["stats"]["requests"], "requests,", dict(collections.Counter(f["check"] for f in d["failures"])))' "$@"
}

# Prefect 3 (FastAPI, OpenAPI 3.1.0), sqlite, no authentication.
prefect() {
  [ -x prefect/bin/prefect ] || { python3 -m venv prefect && timeout 1200 prefect/bin/pip install -q "prefect==3.9.1"; }
  rm -rf prefect_home && mkdir -p prefect_home
  local port; port=$(free_port)
  PREFECT_HOME=$RW/prefect_home PREFECT_API_DATABASE_CONNECTION_URL="sqlite+aiosqlite:///$RW/prefect_home/prefect.db" \
    PREFECT_SERVER_ANALYTICS_ENABLED=false PREFECT_UI_ENABLED=false \
    setsid prefect/bin/prefect server start --host 127.0.0.1 --port "$port" >prefect_server.log 2>&1 &
  local pid=$!
  for _ in $(seq 90); do curl -sf "http://127.0.0.1:$port/api/openapi.json" -o prefect_openapi.json && break; sleep 2; done
  timeout 1800 "$CONFORM" run --spec prefect_openapi.json --target "http://127.0.0.1:$port" --seed 1 --cases 10 \
    --no-snapshots --report prefect.json >prefect.txt 2>&1 || true
  kill -- -"$pid" 2>/dev/null || true
  summary prefect prefect.json
}

# Kinto 26 (Pyramid + cornice, Swagger 2.0), memory backend, the accounts plugin's Basic
# authentication as `kinto init` configures it (account:admin). `delete_accounts` is left out:
# it deletes the run's own account, and the run would stop there.
kinto() {
  [ -x kinto/bin/kinto ] || { python3 -m venv kinto && timeout 900 kinto/bin/pip install -q "kinto==26.5.0"; }
  rm -rf kinto_home && mkdir -p kinto_home
  kinto/bin/kinto init --ini kinto_home/kinto.ini --backend memory --cache-backend memory --host 127.0.0.1 >/dev/null 2>&1
  local port; port=$(free_port)
  setsid kinto/bin/kinto start --ini kinto_home/kinto.ini --port "$port" >kinto_server.log 2>&1 &
  local pid=$!
  for _ in $(seq 60); do curl -sf "http://127.0.0.1:$port/v1/__api__" -o kinto_swagger.json && break; sleep 1; done
  curl -sf -X PUT "http://127.0.0.1:$port/v1/accounts/admin" -H 'Content-Type: application/json' \
    -d '{"data":{"password":"s3cret"}}' >/dev/null
  # A second account: object_ownership reads, changes and deletes admin's objects as it.
  curl -sf -X PUT "http://127.0.0.1:$port/v1/accounts/bob" -H 'Content-Type: application/json' \
    -d '{"data":{"password":"b0bs3cret"}}' >/dev/null
  CONFORM_USERNAME=admin CONFORM_PASSWORD=s3cret CONFORM_OTHER_USERNAME=bob CONFORM_OTHER_PASSWORD=b0bs3cret timeout 900 "$CONFORM" run --spec kinto_swagger.json \
    --target "http://127.0.0.1:$port" --auth basic --exclude id:delete_accounts --seed 1 --cases 10 \
    --no-snapshots --report kinto.json >kinto.txt 2>&1 || true
  kill -- -"$pid" 2>/dev/null || true
  summary kinto kinto.json
}

# Schemathesis deletes the user it logs in as (DELETE /users/admin, from the list it read) and
# then gets 401 for everything: the operations that change users and roles are left out.
parity() {
  [ -x st/bin/st ] || { python3 -m venv st && timeout 900 st/bin/pip install -q schemathesis; }
  airflow_start
  rm -rf st_report
  timeout 1500 st/bin/st run "http://127.0.0.1:$AF_PORT/api/v1/openapi.yaml" --auth admin:admin --seed 1 \
    --max-examples 10 --exclude-operation-id delete_user --exclude-operation-id patch_user \
    --exclude-operation-id delete_role --exclude-operation-id patch_role \
    --report junit,ndjson --report-dir st_report >st_out.txt 2>&1 || true
  airflow_stop
  st/bin/st --version
  python3 "$HERE/parity.py" airflow.json st_report/ndjson-*.ndjson --only-common-operations \
    --verdicts "$HERE/airflow_verdicts.json"
}

# The embedded mock with authentication enforced, for both shipped specs over seeds 1 to 20:
# every run must pass (exit 0). The mock listens on a port the OS picks (read from its output).
mock_token() {
  local root; root=$(cd "$HERE/.." && pwd)
  local failed=0
  for spec in "$root"/specs/*.yaml; do
    case "$spec" in *.semantics.yaml) continue ;; esac
    "$CONFORM" mock --spec "$spec" --token mock-token-for-seeds --listen 127.0.0.1:0 >mock_token.log 2>&1 &
    local pid=$!
    local url=""
    for _ in $(seq 50); do url=$(sed -n 's/^listening on //p' mock_token.log); [ -n "$url" ] && break; sleep 0.2; done
    for seed in $(seq 20); do
      if ! CONFORM_TOKEN=mock-token-for-seeds timeout 300 "$CONFORM" run --spec "$spec" --target "$url" \
          --seed "$seed" --cases 20 --no-snapshots >mock_token_run.txt 2>&1; then
        echo "FAIL $(basename "$spec") seed $seed"; tail -5 mock_token_run.txt; failed=$((failed + 1))
      fi
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  echo "mock_token: $failed failing runs of 40"
}

[ $# -gt 0 ] || set -- airflow prefect kinto
for step in "$@"; do "$step"; done
