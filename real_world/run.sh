#!/bin/bash
# Re-runs conform against real, published servers (see REAL_WORLD.md). Outside CI: the installs
# are large. Everything lives under $RW (default /work/rw), servers bind 127.0.0.1 on a free
# port, and every run is bounded in time. Usage: real_world/run.sh [airflow] [parity]
#   airflow  conform against Apache Airflow 2.10.5 (fresh database) -> $RW/airflow.json
#   parity   Schemathesis against the same server (fresh database) -> $RW/st_report/, then
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

for step in "${@:-airflow}"; do "$step"; done
