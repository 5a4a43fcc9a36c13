#!/usr/bin/env bash
# Throughput benchmarks with figures, all measured in one run on this machine (DESIGN.md,
# "Performance targets"). Prints a table; asserts nothing. CI does not run it.
#
#   bash benches/throughput.sh
#
# 1. the loopback ceiling: `wrk -t1 -c16` on GET of a window from `conform mock` (release);
# 2. nginx serving the same JSON as a static file under the same wrk settings: mock/nginx;
# 3. `conform run`, every check on, against the same mock (concurrency 16): requests/s from
#    the JSON report's stats, conform/wrk; peak RSS of that run (/usr/bin/time -v);
# 4. Schemathesis (v4, in a venv under target/) against the same mock: conform/Schemathesis;
# 5. whole-process `conform lint` on the 1.5 MB Twilio spec and the synthetic 358-operation
#    one (hyperfine, else repeated timing).
#
# Tools that are missing (wrk, nginx, hyperfine, GNU time, curl, Python venv) are installed
# with apt-get/pip when possible; otherwise that figure is skipped with a message.
# Every server started here listens on 127.0.0.1 and is stopped on exit; every load loop is
# bounded in time or count.
#
# Environment: DURATION (seconds per wrk run, default 10), CASES (conform run, default 20000
# per operation: 100,000 requests), CONCURRENCY (default 16), ST_CASES (Schemathesis
# --max-examples and conform --cases for the same-size comparison, default 100),
# INSTALL=0 to never install anything, STEPS (comma-separated step numbers to run, e.g.
# STEPS=1,2 for the mock and nginx only; default all; 1 and 2 run together).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

DURATION=${DURATION:-10}
CASES=${CASES:-20000}
CONCURRENCY=${CONCURRENCY:-16}
ST_CASES=${ST_CASES:-100}
INSTALL=${INSTALL:-1}
STEPS=${STEPS:-1,2,3,4,5}
SPEC=specs/atlas-maintenance-window.yaml
GROUP=5f0123456789abcdef012345
WINDOW=/api/atlas/v2/groups/$GROUP/maintenanceWindow
TOKEN=conform-bench-token
VENV=$ROOT/target/bench-venv

WORK=$(mktemp -d /tmp/conform-bench.XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*"; }
# step N: whether step N is to run (STEPS).
step() { case ",$STEPS," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
note() { printf '  %s\n' "$*"; }
row() { printf '  %-58s %s\n' "$1" "$2"; }

APT_UPDATED=0
# apt_install PACKAGE: installs a Debian package (as root, unless INSTALL=0).
apt_install() {
  [ "$INSTALL" = 1 ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ] || return 1
  apt-get install -y -qq "$1" >/dev/null 2>&1 && return 0
  [ "$APT_UPDATED" = 1 ] && return 1
  APT_UPDATED=1
  apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "$1" >/dev/null 2>&1
}

# have TOOL PACKAGE: the tool is there, or apt-get installs it.
have() {
  command -v "$1" >/dev/null 2>&1 || { apt_install "$2" && command -v "$1" >/dev/null 2>&1; }
}

# cpu_ticks PID: user+system clock ticks the process has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICK_US=$((1000000 / $(getconf CLK_TCK)))

# ratio A B: A/B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# wrk_rps URL OUT: runs wrk with the shared settings; prints requests/s.
wrk_rps() {
  wrk -t1 -c16 -d"${DURATION}s" -H "Authorization: Bearer $TOKEN" "$1" >"$2"
  if grep -q "Non-2xx" "$2"; then
    note "warning: wrk saw non-2xx answers from $1: $(grep Non-2xx "$2")" >&2
  fi
  awk '/^Requests\/sec:/ {print $2}' "$2"
}

# free_port: a loopback port nothing listens on.
free_port() {
  local port
  for port in $(seq 18080 18180); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

# stats FILE: "requests duration_ms" from a conform JSON report.
stats() {
  tr -d ' \n' <"$1" | grep -o '"stats":{[^}]*}' |
    sed -E 's/.*"requests":([0-9]+),"duration_ms":([0-9]+).*/\1 \2/'
}

say "conform throughput benchmarks ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
say "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo); load at start:$(uptime | sed 's/.*load average://')"
say "building release..."
cargo build --release --quiet --bin conform
if step 5; then cargo build --release --quiet --example large_spec; fi
CONFORM=$ROOT/target/release/conform
CONFORM_VERSION=$("$CONFORM" --version)
say "$CONFORM_VERSION; wrk -t1 -c16 -d${DURATION}s; conform run --concurrency $CONCURRENCY --cases $CASES"
say ""

# --- the mock ---------------------------------------------------------------------------------
"$CONFORM" mock --spec "$SPEC" --listen 127.0.0.1:0 --token "$TOKEN" >"$WORK/mock.out" 2>"$WORK/mock.err" &
MOCK_PID=$!
PIDS+=("$MOCK_PID")
for _ in $(seq 100); do
  grep -q '^listening on ' "$WORK/mock.out" 2>/dev/null && break
  sleep 0.1
done
MOCK_URL=$(sed -n 's/^listening on //p' "$WORK/mock.out")
[ -n "$MOCK_URL" ] || { say "the mock did not start: $(cat "$WORK/mock.err")"; exit 1; }

WRK_RPS=""
NGINX_RPS=""
MOCK_CPU_WRK=""
say "1-2. loopback ceiling: GET $WINDOW"
if ! step 1 && ! step 2; then
  note "skipped (STEPS=$STEPS)"
elif ! have curl curl; then
  note "skipped: curl is not installed and could not be installed"
elif ! have wrk wrk; then
  note "skipped: wrk is not installed and could not be installed (Debian package wrk)"
else
  curl -sf -H "Authorization: Bearer $TOKEN" "$MOCK_URL$WINDOW" >"$WORK/window.json"
  before=$(cpu_ticks "$MOCK_PID")
  WRK_RPS=$(wrk_rps "$MOCK_URL$WINDOW" "$WORK/wrk-mock.txt")
  after=$(cpu_ticks "$MOCK_PID")
  total=$(awk '/requests in/ {print $1}' "$WORK/wrk-mock.txt")
  MOCK_CPU_WRK=$(awk -v t=$((after - before)) -v u="$TICK_US" -v n="$total" 'BEGIN { printf "%.1f", t * u / n }')
  row "conform mock, wrk -t1 -c16 (requests/s)" "$WRK_RPS   (mock CPU ${MOCK_CPU_WRK} us/request)"
  if ! have nginx nginx; then
    note "nginx skipped: not installed and could not be installed (Debian package nginx)"
  else
    NGX=$WORK/nginx
    mkdir -p "$NGX/www$(dirname "$WINDOW")" "$NGX/tmp"
    cp "$WORK/window.json" "$NGX/www$WINDOW"
    chmod -R a+rX "$NGX"
    NGINX_PORT=$(free_port)
    # As many workers as the mock has runtime threads (one per core); no access log, and
    # keep-alive connections that last as long as the mock's do.
    cat >"$NGX/nginx.conf" <<EOF
worker_processes $(nproc);
pid $NGX/nginx.pid;
error_log $NGX/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  types { }
  default_type application/vnd.atlas.2023-01-01+json;
  client_body_temp_path $NGX/tmp; proxy_temp_path $NGX/tmp; fastcgi_temp_path $NGX/tmp;
  uwsgi_temp_path $NGX/tmp; scgi_temp_path $NGX/tmp;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $NGX/www;
  }
}
EOF
    nginx -p "$NGX" -c "$NGX/nginx.conf" -g 'daemon off;' 2>>"$NGX/error.log" &
    PIDS+=("$!")
    for _ in $(seq 50); do
      curl -sf "http://127.0.0.1:$NGINX_PORT$WINDOW" >/dev/null 2>&1 && break
      sleep 0.1
    done
    if cmp -s <(curl -sf "http://127.0.0.1:$NGINX_PORT$WINDOW") "$WORK/window.json"; then
      NGINX_RPS=$(wrk_rps "http://127.0.0.1:$NGINX_PORT$WINDOW" "$WORK/wrk-nginx.txt")
      row "nginx static file, same JSON, same wrk (requests/s)" "$NGINX_RPS"
      row "mock / nginx (target >= 0.8)" "$(ratio "$WRK_RPS" "$NGINX_RPS")"
    else
      note "nginx skipped: it did not serve the file ($(tail -1 "$NGX/error.log"))"
    fi
  fi
fi
say ""

# --- conform run ------------------------------------------------------------------------------
if step 3; then
say "3. conform run, every check on, against the same mock"
TIME=()
if have /usr/bin/time time; then
  TIME=(/usr/bin/time -v -o "$WORK/time.txt")
else
  note "GNU time is not installed and could not be (Debian package time): no peak RSS"
fi
before=$(cpu_ticks "$MOCK_PID")
code=0
"${TIME[@]}" "$CONFORM" run --spec "$SPEC" --target "$MOCK_URL" --token "$TOKEN" --seed 1 \
  --cases "$CASES" --concurrency "$CONCURRENCY" --no-snapshots --format json \
  >"$WORK/run.json" 2>"$WORK/run.err" || code=$?
after=$(cpu_ticks "$MOCK_PID")
if [ "$code" -gt 1 ]; then
  say "conform run failed (exit $code): $(tail -3 "$WORK/run.err")"
  exit 1
fi
read -r RUN_REQUESTS RUN_MS < <(stats "$WORK/run.json")
RUN_RPS=$(awk -v n="$RUN_REQUESTS" -v ms="$RUN_MS" 'BEGIN { printf "%.0f", n * 1000 / ms }')
MOCK_CPU_RUN=$(awk -v t=$((after - before)) -v u="$TICK_US" -v n="$RUN_REQUESTS" 'BEGIN { printf "%.1f", t * u / n }')
row "requests, wall time (JSON stats)" "$RUN_REQUESTS in ${RUN_MS} ms (exit $code)"
if [ ${#TIME[@]} -gt 0 ]; then
  CPU_S=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$WORK/time.txt")
  RSS_KB=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
  CONFORM_CPU=$(awk -v s="$CPU_S" -v n="$RUN_REQUESTS" 'BEGIN { printf "%.1f", s * 1e6 / n }')
  row "checked requests/s" "$RUN_RPS   (conform CPU ${CONFORM_CPU} us/request, mock CPU ${MOCK_CPU_RUN} us/request)"
  row "peak RSS of this $RUN_REQUESTS-request run (target < 200 MB)" "$(awk -v k="$RSS_KB" 'BEGIN { printf "%.1f MB", k / 1024 }')"
else
  row "checked requests/s" "$RUN_RPS   (mock CPU ${MOCK_CPU_RUN} us/request)"
fi
[ -n "$WRK_RPS" ] && row "conform / wrk (target >= 0.5)" "$(ratio "$RUN_RPS" "$WRK_RPS")"
say ""
fi

# --- Schemathesis -----------------------------------------------------------------------------
if step 4; then
say "4. Schemathesis against the same mock (st run, --max-examples $ST_CASES)"
ST_OK=0
if [ -x "$VENV/bin/st" ]; then
  ST_OK=1
elif [ "$INSTALL" = 1 ] && command -v python3 >/dev/null 2>&1; then
  if { python3 -m venv "$VENV" || { apt_install python3-venv && python3 -m venv "$VENV"; }; } >/dev/null 2>&1 &&
    "$VENV/bin/pip" install -q 'schemathesis>=4,<5' >"$WORK/pip.log" 2>&1; then
    ST_OK=1
  fi
fi
if [ "$ST_OK" != 1 ]; then
  note "skipped: Schemathesis 4 could not be installed into $VENV (needs python3-venv and PyPI)"
else
  # Count every HTTP request Schemathesis sends (checks' extra requests included) at the
  # requests adapter, rather than trusting its test-case count.
  cat >"$WORK/st_counted.py" <<'EOF'
import atexit, os, sys, threading
import requests.adapters

count = 0
lock = threading.Lock()
send = requests.adapters.HTTPAdapter.send

def counted(self, *args, **kwargs):
    global count
    with lock:
        count += 1
    return send(self, *args, **kwargs)

requests.adapters.HTTPAdapter.send = counted
atexit.register(lambda: open(os.environ["ST_COUNT"], "w").write(str(count)))
from schemathesis.cli import schemathesis
sys.argv[0] = "st"
sys.exit(schemathesis())
EOF
  ST_VERSION=$("$VENV/bin/st" --version 2>/dev/null | tail -1)
  # Every operation, every phase that applies (examples, coverage, fuzzing; no stateful links
  # in this spec), every check, one worker (the default; `--workers auto` was not faster here).
  ST_ARGS=(run "$ROOT/$SPEC" --url "$MOCK_URL" -H "Authorization: Bearer $TOKEN" --checks all
    --max-examples "$ST_CASES" --seed 1 --report json --report-json-path "$WORK/st.json")
  (cd "$WORK" && ST_COUNT="$WORK/st.count" timeout 600 "$VENV/bin/python" "$WORK/st_counted.py" "${ST_ARGS[@]}" \
    >"$WORK/st.out" 2>&1) || true
  if [ -s "$WORK/st.count" ] && [ -s "$WORK/st.json" ]; then
    ST_REQUESTS=$(cat "$WORK/st.count")
    ST_TIME=$(tr -d ' \n' <"$WORK/st.json" | grep -o '"running_time":[0-9.]*' | cut -d: -f2)
    ST_RPS=$(awk -v n="$ST_REQUESTS" -v t="$ST_TIME" 'BEGIN { printf "%.1f", n / t }')
    row "$ST_VERSION: requests, running time" "$ST_REQUESTS in ${ST_TIME} s"
    row "Schemathesis requests/s" "$ST_RPS"
    "$CONFORM" run --spec "$SPEC" --target "$MOCK_URL" --token "$TOKEN" --seed 1 --cases "$ST_CASES" \
      --concurrency "$CONCURRENCY" --no-snapshots --format json >"$WORK/run-small.json" 2>/dev/null || true
    read -r SMALL_REQUESTS SMALL_MS < <(stats "$WORK/run-small.json")
    SMALL_RPS=$(awk -v n="$SMALL_REQUESTS" -v ms="$SMALL_MS" 'BEGIN { printf "%.0f", n * 1000 / (ms > 0 ? ms : 1) }')
    row "conform run --cases $ST_CASES: requests/s" "$SMALL_RPS ($SMALL_REQUESTS in ${SMALL_MS} ms)"
    row "conform / Schemathesis, same --cases (target >= 100)" "$(ratio "$SMALL_RPS" "$ST_RPS")"
    [ -n "${RUN_RPS:-}" ] && row "conform / Schemathesis, sustained run of step 3" "$(ratio "$RUN_RPS" "$ST_RPS")"
  else
    note "skipped: Schemathesis did not finish: $(tail -3 "$WORK/st.out")"
  fi
fi
say ""
fi

# --- load + compile ---------------------------------------------------------------------------
if step 5; then
say "5. load + compile, whole process: conform lint --spec ..."
"$ROOT/target/release/examples/large_spec" "$WORK/large.yaml" >/dev/null
for spec in ../shared/fixtures/twilio_api_v2010.yaml "$WORK/large.yaml"; do
  case "$spec" in
    *twilio*) name="Twilio v2010 (real, $(($(stat -c %s "$spec") / 1000)) kB; target < 0.3 s)" ;;
    *) name="synthetic 358 operations ($(($(stat -c %s "$spec") / 1000)) kB)" ;;
  esac
  if have hyperfine hyperfine; then
    hyperfine -N -i --warmup 2 --runs 15 --export-json "$WORK/hf.json" "$CONFORM lint --spec $spec" >/dev/null 2>&1
    mean=$(tr -d ' \n' <"$WORK/hf.json" | grep -o '"mean":[0-9.e-]*' | head -1 | cut -d: -f2)
    sd=$(tr -d ' \n' <"$WORK/hf.json" | grep -o '"stddev":[0-9.e-]*' | head -1 | cut -d: -f2)
    row "$name" "$(awk -v m="$mean" -v s="$sd" 'BEGIN { printf "%.3f s +- %.3f (hyperfine, 15 runs)", m, s }')"
  else
    best=""
    for _ in $(seq 10); do
      start=$(date +%s%N)
      "$CONFORM" lint --spec "$spec" >/dev/null || true
      t=$(($(date +%s%N) - start))
      if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
    done
    row "$name" "$(awk -v t="$best" 'BEGIN { printf "%.3f s (best of 10; hyperfine not installed)", t / 1e9 }')"
  fi
done
say ""
fi
say "load at end:$(uptime | sed 's/.*load average://')"
