#!/bin/bash
# Re-runs conform against real, published servers (see REAL_WORLD.md). Outside CI: the installs
# are large. Everything lives under $RW (default /work/rw), servers bind 127.0.0.1, and every
# run is bounded in time. Usage: real_world/run.sh [airflow]
set -euo pipefail
RW=${RW:-/work/rw}
CONFORM=${CONFORM:-$(cd "$(dirname "$0")/.." && pwd)/target/debug/conform}
mkdir -p "$RW" && cd "$RW"
export AIRFLOW_HOME=$RW/airflow_home AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__API__AUTH_BACKENDS=airflow.api.auth.backend.basic_auth
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=sqlite:///$RW/airflow_home/airflow.db

# A port nobody holds now, so that several runs (and other servers) can share the machine.
free_port() {
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

airflow() {
  [ -x af/bin/airflow ] || { python3 -m venv af && timeout 1200 af/bin/pip install -q "apache-airflow==2.10.5"; }
  mkdir -p "$AIRFLOW_HOME"
  af/bin/airflow db migrate >/dev/null
  af/bin/airflow users create --username admin --password admin --firstname a --lastname b \
    --role Admin --email a@b.c >/dev/null 2>&1 || true
  local port
  port=$(free_port)
  # setsid: the webserver forks gunicorn workers; the whole group is stopped on return.
  setsid af/bin/airflow webserver --hostname 127.0.0.1 --port "$port" --workers 1 >af_server.log 2>&1 &
  local pid=$!
  trap 'kill -- -'"$pid"' 2>/dev/null || true' RETURN
  for _ in $(seq 90); do curl -sf "http://127.0.0.1:$port/api/v1/openapi.yaml" -o airflow.yaml && break; sleep 2; done
  echo "airflow on http://127.0.0.1:$port"
  CONFORM_USERNAME=admin CONFORM_PASSWORD=admin timeout 900 "$CONFORM" run --spec airflow.yaml \
    --target "http://127.0.0.1:$port" --auth basic --seed 1 --cases 10 --no-snapshots \
    --report airflow.json >airflow.txt 2>&1 || true
  python3 -c 'import json,collections;d=json.load(open("airflow.json"));print("airflow", d["stats"], dict(collections.Counter(f["check"] for f in d["failures"])))'
}

for server in "${@:-airflow}"; do "$server"; done
