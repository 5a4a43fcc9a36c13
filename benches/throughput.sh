#!/usr/bin/env bash
# Throughput benchmarks that survive a noisy machine (DESIGN.md, "Performance targets"; issue 20).
# Prints per-round figures, their medians and ratios; asserts nothing. CI does not run it.
#
#   bash benches/throughput.sh
#   BASE=/path/to/other/conform bash benches/throughput.sh     # or: bash benches/ab.sh OTHER
#
# Steps (STEPS selects them by number):
# 1. ROUNDS rounds, alternated (never batched), each on fresh mocks of
#    specs/atlas-maintenance-window.yaml, in this order:
#    a. `wrk -t1 -c16 -dDURATION` GET of a window on the clean mock (`--token`): requests/s,
#       mock CPU us/request (/proc/PID/stat), wrk CPU us/request (GNU time);
#    b. clean `conform run --target CLEAN_MOCK --token ... --cases CASES --concurrency
#       CONCURRENCY --no-snapshots`: checked requests/s (stats.requests / stats.duration_ms),
#       conform CPU us/request and peak RSS (GNU time), mock CPU us/request; with BASE set the
#       other binary runs the same command against the same mock, the order swapped each round;
#    c. findings-heavy: a second mock with `--fault wrong-type --fault error-without-code --fault
#       undocumented-status` (FAULTS: 87% of the answers are findings; the first two alone, 47%)
#       and no --token (the auth probes' answers are findings too), the same run with snapshots on
#       (into a temporary --snapshot-dir): the share of answers that were findings (sum of the
#       failures' `count` over stats.requests) and the same figures.
#    Then the medians, conform/wrk and findings/clean (median of per-round ratios, and ratio
#    of medians) beside their targets (>= 0.7, >= 0.8).
# 2. nginx serving the mock's answer as a static file under the same wrk: mock/nginx (once).
# 3. scale: `conform run --spec SCALE_SPEC --cases 100 --seed 1 --no-snapshots` with the
#    embedded mock (no --target), ROUNDS times: wall, CPU, peak RSS, requests, findings.
# 4. Schemathesis on SCALE_SPEC (off by default; long): `st run SPEC --url MOCK --max-examples
#    ST_CASES --seed 1 --checks all` against a release `conform mock`, under `nice -n 19`,
#    GNU time and `timeout TIMEOUT`, requests counted; then `conform run --target` a fresh mock
#    of the same spec with `--cases ST_CASES`, the like-for-like figure.
# 5. Schemathesis on the window spec, same --max-examples ST_CASES, and conform --cases ST_CASES.
# 6. whole-process `conform lint` on the 1.5 MB Twilio spec and the synthetic 358-operation one.
#
# Environment (defaults in brackets):
#   ROUNDS [3]        rounds of step 1, and runs of step 3
#   DURATION [10]     seconds of each wrk run
#   CASES [20000]     conform run --cases in step 1 (about 100,000 requests)
#   CONCURRENCY [16]  conform run --concurrency in step 1
#   STEPS [1,2,3,5,6] comma-separated steps to run (4, Schemathesis on SCALE_SPEC, takes long)
#   INSTALL [1]       0: never install anything (apt-get, pip); missing tools skip their figure
#   BASE []           another conform binary to compare in step 1b, alternately
#   TIMEOUT [2400]    seconds Schemathesis may take in step 4
#   FAULTS [wrong-type error-without-code undocumented-status]  faults of the findings-heavy mock (1c)
#   ST_CASES [100]    Schemathesis --max-examples and conform --cases in steps 4 and 5
#   SCALE_SPEC [../shared/fixtures/atlas/atlas-api-2026.yaml]  spec of steps 3 and 4
#   VENV [target/bench-venv]  Python venv holding Schemathesis 4 (created when missing)
#
# Tools that are missing (wrk, nginx, hyperfine, GNU time, curl, jq, Python venv) are installed
# with apt-get/pip when possible; otherwise that figure is skipped with a message.
# Every server started here listens on 127.0.0.1 and is stopped on exit; every load loop is
# bounded in time or count, and every run is under `timeout`.
set -euo pipefail
# BASE may be given relative to the caller's directory.
if [ -n "${BASE:-}" ] && [ -e "$BASE" ]; then BASE=$(realpath "$BASE"); fi
cd "$(dirname "$0")/.."
ROOT=$PWD

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
CASES=${CASES:-20000}
CONCURRENCY=${CONCURRENCY:-16}
STEPS=${STEPS:-1,2,3,5,6}
INSTALL=${INSTALL:-1}
BASE=${BASE:-}
TIMEOUT=${TIMEOUT:-2400}
FAULTS=${FAULTS:-wrong-type error-without-code undocumented-status}
ST_CASES=${ST_CASES:-100}
SCALE_SPEC=${SCALE_SPEC:-../shared/fixtures/atlas/atlas-api-2026.yaml}
VENV=${VENV:-$ROOT/target/bench-venv}
SPEC=specs/atlas-maintenance-window.yaml
GROUP=5f0123456789abcdef012345
WINDOW=/api/atlas/v2/groups/$GROUP/maintenanceWindow
TOKEN=conform-bench-token
# No single run of conform may take longer than this (seconds).
RUN_LIMIT=900

for knob in ROUNDS DURATION CASES CONCURRENCY TIMEOUT ST_CASES; do
  case ${!knob} in
    '' | *[!0-9]*) echo "$knob must be a whole number, not '${!knob}'" >&2; exit 2 ;;
  esac
done
[ "$ROUNDS" -ge 1 ] || { echo "ROUNDS must be at least 1" >&2; exit 2; }
if [ -n "$BASE" ] && [ ! -x "$BASE" ]; then
  echo "BASE=$BASE is not an executable file" >&2
  exit 2
fi

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
load() { cut -d' ' -f1-3 /proc/loadavg; }

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

# per_request TICKS N: clock ticks spread over N requests, in microseconds.
per_request() { awk -v t="$1" -v u="$TICK_US" -v n="$2" 'BEGIN { if (n > 0) printf "%.1f", t * u / n; else print "n/a" }'; }

# ratio A B: A/B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "n/a" && b != "n/a" && b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# GNU time -v output: CPU (user + system) seconds, peak RSS in MB, wall seconds.
time_cpu() { awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$1"; }
time_rss() { awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$1"; }
time_wall() {
  awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s}' "$1"
}
# cpu_us_per SECONDS N: CPU seconds over N requests, in microseconds.
cpu_us_per() { awk -v s="$1" -v n="$2" 'BEGIN { if (n > 0) printf "%.1f", s * 1e6 / n; else print "n/a" }'; }

# Conform JSON report: requests, duration_ms, findings (sum of the failures' counts).
report_requests() { jq -r '.stats.requests' "$1"; }
report_ms() { jq -r '.stats.duration_ms' "$1"; }
report_findings() { jq -r '[.failures[]? | .count // 1] | add // 0' "$1"; }
rps() { awk -v n="$1" -v ms="$2" 'BEGIN { if (ms > 0) printf "%.0f", n * 1000 / ms; else print "n/a" }'; }

# start_mock NAME ARGS...: starts a release `conform mock` on 127.0.0.1 port 0; sets M_PID and
# M_URL.
start_mock() {
  local name=$1
  shift
  "$CONFORM" mock --listen 127.0.0.1:0 "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  M_PID=$!
  PIDS+=("$M_PID")
  for _ in $(seq 300); do
    grep -q '^listening on ' "$WORK/$name.out" 2>/dev/null && break
    kill -0 "$M_PID" 2>/dev/null || break
    sleep 0.1
  done
  M_URL=$(sed -n 's/^listening on //p' "$WORK/$name.out")
  [ -n "$M_URL" ] || { say "the mock ($name) did not start: $(tail -3 "$WORK/$name.err")"; exit 1; }
}

# stop PID: stops a server started here and forgets it.
stop() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  local kept=() pid
  for pid in "${PIDS[@]}"; do
    [ "$pid" = "$1" ] || kept+=("$pid")
  done
  PIDS=("${kept[@]}")
}

# wrk_run URL OUT: wrk with the shared settings under GNU time (OUT.time); prints requests/s.
wrk_run() {
  /usr/bin/time -v -o "$2.time" wrk -t1 -c16 -d"${DURATION}s" -H "Authorization: Bearer $TOKEN" "$1" >"$2"
  if grep -q "Non-2xx" "$2"; then
    note "warning: wrk saw non-2xx answers from $1: $(grep Non-2xx "$2")" >&2
  fi
  awk '/^Requests\/sec:/ {print $2}' "$2"
}

# conform_run BINARY OUT MOCK_PID ARGS...: `conform run` under GNU time and a time limit;
# sets R_REQUESTS R_RPS R_CPU (us/request) R_RSS (MB) R_MOCK (mock CPU us/request)
# R_FINDINGS R_CODE. Exits on a crash or an exit code above 1.
conform_run() {
  local bin=$1 out=$2 mock=$3 before after
  shift 3
  before=$(cpu_ticks "$mock")
  R_CODE=0
  /usr/bin/time -v -o "$out.time" timeout "$RUN_LIMIT" "$bin" run "$@" --report "$out.json" \
    >"$out.out" 2>"$out.err" || R_CODE=$?
  after=$(cpu_ticks "$mock")
  if [ "$R_CODE" -gt 1 ] || [ ! -s "$out.json" ]; then
    say "conform run failed (exit $R_CODE): $(tail -3 "$out.err")"
    exit 1
  fi
  R_REQUESTS=$(report_requests "$out.json")
  R_RPS=$(rps "$R_REQUESTS" "$(report_ms "$out.json")")
  R_CPU=$(cpu_us_per "$(time_cpu "$out.time")" "$R_REQUESTS")
  R_RSS=$(time_rss "$out.time")
  R_MOCK=$(per_request $((after - before)) "$R_REQUESTS")
  R_FINDINGS=$(report_findings "$out.json")
}

# median FILE COLUMN: the median of a named column of a tab-separated file with a header line.
median() {
  awk -F'\t' -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next }
    k && $k != "" && $k != "n/a" { print $k }' "$1" | sort -g |
    awk '{ v[NR] = $1 } END {
      if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# table FILE COLUMN...: the named columns of FILE, one row per round, then their medians.
table() {
  local file=$1 c
  shift
  {
    printf 'round'
    printf '\t%s' "$@"
    printf '\n'
    awk -F'\t' -v cols="$*" 'NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; n = split(cols, want, " "); next }
      { printf "%s", $1; for (j = 1; j <= n; j++) printf "\t%s", $(at[want[j]]); printf "\n" }' "$file"
    printf 'median'
    for c in "$@"; do printf '\t%s' "$(median "$file" "$c")"; done
    printf '\n'
  } | column -t -s $'\t' | sed 's/^/  /'
}

say "conform throughput benchmarks ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
say "machine: $(nproc) cores ($(grep -m1 '^model name' /proc/cpuinfo | sed 's/.*: //')), $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM, kernel $(uname -r)"
say "load average at start: $(load)"
for tool in jq:jq /usr/bin/time:time; do
  if ! have "${tool%%:*}" "${tool#*:}"; then
    say "${tool%%:*} is needed (Debian package ${tool#*:}) and could not be installed"
    exit 1
  fi
done
say "building release..."
cargo build --release --quiet --bin conform
if step 6; then cargo build --release --quiet --example large_spec; fi
CONFORM=$ROOT/target/release/conform
say "$("$CONFORM" --version) ($CONFORM)"
[ -z "$BASE" ] || say "BASE: $("$BASE" --version) ($BASE)"
say "ROUNDS=$ROUNDS DURATION=$DURATION CASES=$CASES CONCURRENCY=$CONCURRENCY STEPS=$STEPS FAULTS='$FAULTS'"
say ""

# --- 1. rounds --------------------------------------------------------------------------------
RUN_ARGS=(--spec "$SPEC" --token "$TOKEN" --seed 1 --cases "$CASES" --concurrency "$CONCURRENCY")
FAULT_ARGS=()
for fault in $FAULTS; do FAULT_ARGS+=(--fault "$fault"); done
WRK_OK=0
if step 1; then
  say "1. $ROUNDS alternated rounds: wrk, clean conform run, findings-heavy conform run"
  if have wrk wrk && have curl curl; then
    WRK_OK=1
  else
    note "wrk or curl is not installed and could not be installed (Debian packages wrk, curl): no wrk figures"
  fi
  COLS=(wrk_rps wrk_mock_us wrk_cpu_us clean_requests clean_rps clean_cpu_us clean_rss_mb clean_mock_us
    clean_findings find_requests find_rps find_cpu_us find_rss_mb find_mock_us find_findings find_share_pct
    conform_per_wrk find_per_clean find_cpu_per_clean base_rps base_cpu_us base_rss_mb base_mock_us
    base_minus_cpu_us)
  TSV=$WORK/rounds.tsv
  (IFS=$'\t'; printf 'round\t%s\n' "${COLS[*]}") >"$TSV"
  for round in $(seq "$ROUNDS"); do
    say "  round $round, load average $(load)"
    declare -A V=()
    for c in "${COLS[@]}"; do V[$c]=n/a; done

    # a. wrk on the clean mock
    start_mock "clean$round" --spec "$SPEC" --token "$TOKEN"
    CLEAN_PID=$M_PID
    CLEAN_URL=$M_URL
    if [ "$WRK_OK" = 1 ]; then
      curl -sf -H "Authorization: Bearer $TOKEN" "$CLEAN_URL$WINDOW" >"$WORK/window.json"
      before=$(cpu_ticks "$CLEAN_PID")
      V[wrk_rps]=$(wrk_run "$CLEAN_URL$WINDOW" "$WORK/wrk$round.txt")
      after=$(cpu_ticks "$CLEAN_PID")
      total=$(awk '/requests in/ {print $1}' "$WORK/wrk$round.txt")
      V[wrk_mock_us]=$(per_request $((after - before)) "$total")
      V[wrk_cpu_us]=$(cpu_us_per "$(time_cpu "$WORK/wrk$round.txt.time")" "$total")
      note "a. wrk: $total requests, ${V[wrk_rps]} requests/s, mock ${V[wrk_mock_us]} us/request, wrk ${V[wrk_cpu_us]} us/request"
    fi

    # b. clean run (and BASE's, the order swapped every other round) against the same mock
    runners=(current)
    if [ -n "$BASE" ]; then
      if [ $((round % 2)) = 1 ]; then runners=(current base); else runners=(base current); fi
    fi
    for runner in "${runners[@]}"; do
      if [ "$runner" = current ]; then
        conform_run "$CONFORM" "$WORK/clean$round" "$CLEAN_PID" "${RUN_ARGS[@]}" --target "$CLEAN_URL" --no-snapshots
        V[clean_requests]=$R_REQUESTS V[clean_rps]=$R_RPS V[clean_cpu_us]=$R_CPU V[clean_rss_mb]=$R_RSS
        V[clean_mock_us]=$R_MOCK V[clean_findings]=$R_FINDINGS
        note "b. clean run: $R_REQUESTS requests, $R_RPS requests/s, conform $R_CPU us/request, $R_RSS MB, mock $R_MOCK us/request, $R_FINDINGS findings (exit $R_CODE)"
      else
        conform_run "$BASE" "$WORK/base$round" "$CLEAN_PID" "${RUN_ARGS[@]}" --target "$CLEAN_URL" --no-snapshots
        V[base_rps]=$R_RPS V[base_cpu_us]=$R_CPU V[base_rss_mb]=$R_RSS V[base_mock_us]=$R_MOCK
        note "b. BASE clean run: $R_REQUESTS requests, $R_RPS requests/s, conform $R_CPU us/request, $R_RSS MB, mock $R_MOCK us/request, $R_FINDINGS findings (exit $R_CODE)"
      fi
    done
    stop "$CLEAN_PID"

    # c. findings-heavy run, snapshots on, against its own mock
    start_mock "faulty$round" --spec "$SPEC" "${FAULT_ARGS[@]}"
    FAULTY_PID=$M_PID
    mkdir -p "$WORK/snapshots$round"
    conform_run "$CONFORM" "$WORK/find$round" "$FAULTY_PID" "${RUN_ARGS[@]}" --target "$M_URL" \
      --snapshot-dir "$WORK/snapshots$round"
    stop "$FAULTY_PID"
    V[find_requests]=$R_REQUESTS V[find_rps]=$R_RPS V[find_cpu_us]=$R_CPU V[find_rss_mb]=$R_RSS
    V[find_mock_us]=$R_MOCK V[find_findings]=$R_FINDINGS
    V[find_share_pct]=$(awk -v f="$R_FINDINGS" -v n="$R_REQUESTS" 'BEGIN { if (n > 0) printf "%.1f", 100 * f / n; else print "n/a" }')
    snaps=$(find "$WORK/snapshots$round" -type f | wc -l)
    note "c. findings-heavy run: $R_REQUESTS requests, $R_RPS requests/s, conform $R_CPU us/request, $R_RSS MB, mock $R_MOCK us/request; findings $R_FINDINGS (${V[find_share_pct]}% of requests), $snaps snapshot files (exit $R_CODE)"
    rm -rf "$WORK/snapshots$round"

    V[conform_per_wrk]=$(ratio "${V[clean_rps]}" "${V[wrk_rps]}")
    V[find_per_clean]=$(ratio "${V[find_rps]}" "${V[clean_rps]}")
    V[find_cpu_per_clean]=$(ratio "${V[find_cpu_us]}" "${V[clean_cpu_us]}")
    if [ -n "$BASE" ]; then
      V[base_minus_cpu_us]=$(awk -v a="${V[clean_cpu_us]}" -v b="${V[base_cpu_us]}" 'BEGIN { printf "%.1f", a - b }')
    fi
    {
      printf '%s' "$round"
      for c in "${COLS[@]}"; do printf '\t%s' "${V[$c]}"; done
      printf '\n'
    } >>"$TSV"
    unset V
  done
  say ""
  say "  per round (rps: requests/s; cpu, mock: CPU us/request; rss: peak MB; medians last)"
  say "  wrk on the clean mock:"
  table "$TSV" wrk_rps wrk_mock_us wrk_cpu_us
  say "  clean conform run:"
  table "$TSV" clean_requests clean_rps clean_cpu_us clean_rss_mb clean_mock_us clean_findings
  say "  findings-heavy conform run (snapshots on):"
  table "$TSV" find_requests find_rps find_cpu_us find_rss_mb find_mock_us find_findings find_share_pct
  say "  ratios:"
  table "$TSV" conform_per_wrk find_per_clean find_cpu_per_clean
  say ""
  say "  medians"
  row "wrk, requests/s (mock, wrk CPU us/request)" "$(median "$TSV" wrk_rps) ($(median "$TSV" wrk_mock_us), $(median "$TSV" wrk_cpu_us))"
  row "clean run, requests/s (conform, mock CPU us/request)" "$(median "$TSV" clean_rps) ($(median "$TSV" clean_cpu_us), $(median "$TSV" clean_mock_us)); peak RSS $(median "$TSV" clean_rss_mb) MB"
  row "findings-heavy, requests/s (conform, mock CPU us/request)" "$(median "$TSV" find_rps) ($(median "$TSV" find_cpu_us), $(median "$TSV" find_mock_us)); peak RSS $(median "$TSV" find_rss_mb) MB"
  row "findings-heavy: findings per 100 requests" "$(median "$TSV" find_share_pct)"
  row "conform / wrk (target >= 0.7): median of ratios; of medians" "$(median "$TSV" conform_per_wrk); $(ratio "$(median "$TSV" clean_rps)" "$(median "$TSV" wrk_rps)")"
  row "findings / clean (target >= 0.8): median of ratios; of medians" "$(median "$TSV" find_per_clean); $(ratio "$(median "$TSV" find_rps)" "$(median "$TSV" clean_rps)")"
  row "findings / clean, conform CPU per request" "$(median "$TSV" find_cpu_per_clean); $(ratio "$(median "$TSV" find_cpu_us)" "$(median "$TSV" clean_cpu_us)")"
  if [ -n "$BASE" ]; then
    say "  BASE clean run ($BASE):"
    table "$TSV" base_rps base_cpu_us base_rss_mb base_mock_us clean_cpu_us base_minus_cpu_us
    row "BASE clean run, requests/s (conform, mock CPU us/request)" "$(median "$TSV" base_rps) ($(median "$TSV" base_cpu_us), $(median "$TSV" base_mock_us)); peak RSS $(median "$TSV" base_rss_mb) MB"
    row "current - BASE, conform CPU us/request: median of diffs" "$(median "$TSV" base_minus_cpu_us) (medians: $(median "$TSV" clean_cpu_us) - $(median "$TSV" base_cpu_us))"
  fi
  say "  load average after the rounds: $(load)"
  say ""
fi

# --- 2. nginx ---------------------------------------------------------------------------------
if step 2; then
  say "2. the loopback ceiling: the mock and nginx serving the same JSON, wrk -t1 -c16 -d${DURATION}s"
  if ! have wrk wrk || ! have curl curl; then
    note "skipped: wrk or curl is not installed and could not be installed"
  elif ! have nginx nginx; then
    note "skipped: nginx is not installed and could not be installed (Debian package nginx)"
  else
    start_mock nginx-mock --spec "$SPEC" --token "$TOKEN"
    curl -sf -H "Authorization: Bearer $TOKEN" "$M_URL$WINDOW" >"$WORK/window.json"
    MOCK_RPS=$(wrk_run "$M_URL$WINDOW" "$WORK/wrk-mock.txt")
    stop "$M_PID"
    NGX=$WORK/nginx
    mkdir -p "$NGX/www$(dirname "$WINDOW")" "$NGX/tmp"
    cp "$WORK/window.json" "$NGX/www$WINDOW"
    chmod -R a+rX "$NGX"
    NGINX_PORT=""
    for port in $(seq 18080 18180); do
      if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then NGINX_PORT=$port; break; fi
    done
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
    listen 127.0.0.1:${NGINX_PORT:-18080};
    root $NGX/www;
  }
}
EOF
    nginx -p "$NGX" -c "$NGX/nginx.conf" -g 'daemon off;' 2>>"$NGX/error.log" &
    NGINX_PID=$!
    PIDS+=("$NGINX_PID")
    for _ in $(seq 50); do
      curl -sf "http://127.0.0.1:$NGINX_PORT$WINDOW" >/dev/null 2>&1 && break
      sleep 0.1
    done
    if [ -n "$NGINX_PORT" ] && cmp -s <(curl -sf "http://127.0.0.1:$NGINX_PORT$WINDOW") "$WORK/window.json"; then
      NGINX_RPS=$(wrk_run "http://127.0.0.1:$NGINX_PORT$WINDOW" "$WORK/wrk-nginx.txt")
      row "conform mock (requests/s)" "$MOCK_RPS"
      row "nginx static file, same JSON, same wrk (requests/s)" "$NGINX_RPS"
      row "mock / nginx (target >= 0.8)" "$(ratio "$MOCK_RPS" "$NGINX_RPS")"
    else
      note "skipped: nginx did not serve the file ($(tail -1 "$NGX/error.log"))"
    fi
    stop "$NGINX_PID"
  fi
  say ""
fi

# --- 3. scale ---------------------------------------------------------------------------------
if step 3; then
  say "3. scale: conform run --spec $SCALE_SPEC --cases 100 --seed 1 --no-snapshots (embedded mock), $ROUNDS runs"
  if [ ! -f "$SCALE_SPEC" ]; then
    note "skipped: $SCALE_SPEC is not there (SCALE_SPEC)"
  else
    STSV=$WORK/scale.tsv
    printf 'round\twall_s\tcpu_s\trss_mb\trequests\tfindings\tfailures\tcpu_us_per_request\n' >"$STSV"
    for round in $(seq "$ROUNDS"); do
      out=$WORK/scale$round
      code=0
      /usr/bin/time -v -o "$out.time" timeout "$RUN_LIMIT" "$CONFORM" run --spec "$SCALE_SPEC" --cases 100 \
        --seed 1 --no-snapshots --report "$out.json" >"$out.out" 2>"$out.err" || code=$?
      if [ "$code" -gt 1 ] || [ ! -s "$out.json" ]; then
        say "conform run failed (exit $code): $(tail -3 "$out.err")"
        exit 1
      fi
      requests=$(report_requests "$out.json")
      cpu=$(time_cpu "$out.time")
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$(time_wall "$out.time")" "$cpu" "$(time_rss "$out.time")" \
        "$requests" "$(report_findings "$out.json")" "$(jq -r '.stats.failures' "$out.json")" \
        "$(cpu_us_per "$cpu" "$requests")" >>"$STSV"
      note "run $round done (exit $code), load average $(load)"
    done
    table "$STSV" wall_s cpu_s rss_mb requests findings failures cpu_us_per_request
  fi
  say ""
fi

# --- Schemathesis (steps 4 and 5) -------------------------------------------------------------
ST_OK=0
if step 4 || step 5; then
  if [ -x "$VENV/bin/st" ]; then
    ST_OK=1
  elif [ "$INSTALL" = 1 ] && command -v python3 >/dev/null 2>&1; then
    if { python3 -m venv "$VENV" || { apt_install python3-venv && python3 -m venv "$VENV"; }; } >/dev/null 2>&1 &&
      "$VENV/bin/pip" install -q 'schemathesis>=4,<5' >"$WORK/pip.log" 2>&1; then
      ST_OK=1
    fi
  fi
  # Count every HTTP request Schemathesis sends (its checks' extra requests too) at
  # requests.Session.send, with the answers' status classes, rather than trusting its
  # test-case count. Written every 30 s as well, so a run stopped by `timeout` tells how far
  # it got: "COUNT 2xx=N 4xx=N ...".
  cat >"$WORK/st_counted.py" <<'EOF'
import atexit, collections, os, sys, threading
import requests.sessions

count = 0
statuses = collections.Counter()
lock = threading.Lock()
send = requests.sessions.Session.send

def counted(self, *args, **kwargs):
    global count
    with lock:
        count += 1
    response = send(self, *args, **kwargs)
    with lock:
        statuses[response.status_code // 100] += 1
    return response

requests.sessions.Session.send = counted

def write():
    with lock:
        line = "%d %s\n" % (count, " ".join("%dxx=%d" % kv for kv in sorted(statuses.items())))
    with open(os.environ["ST_COUNT"], "w") as out:
        out.write(line)

def tick():
    while True:
        threading.Event().wait(30)
        write()

threading.Thread(target=tick, daemon=True).start()
atexit.register(write)
from schemathesis.cli import schemathesis
sys.argv[0] = "st"
sys.exit(schemathesis())
EOF
fi

# st_run NAME SPEC URL LIMIT NICE [ARGS...]: Schemathesis under the counter, GNU time and
# `timeout LIMIT`; sets S_CODE S_COUNT (the counter's line) S_WALL S_CPU S_RSS S_TIME (its
# own running_time, when it finished).
st_run() {
  local name=$1 spec=$2 url=$3 limit=$4 niceness=$5
  shift 5
  S_CODE=0
  (cd "$WORK" && ST_COUNT="$WORK/$name.count" nice -n "$niceness" /usr/bin/time -v -o "$WORK/$name.time" \
    timeout "$limit" "$VENV/bin/python" "$WORK/st_counted.py" run "$spec" --url "$url" --checks all \
    --max-examples "$ST_CASES" --seed 1 --report json --report-json-path "$WORK/$name.json" "$@" \
    >"$WORK/$name.out" 2>&1) || S_CODE=$?
  S_COUNT=$(cat "$WORK/$name.count" 2>/dev/null || echo "n/a")
  S_WALL=$(time_wall "$WORK/$name.time")
  S_CPU=$(time_cpu "$WORK/$name.time")
  S_RSS=$(time_rss "$WORK/$name.time")
  S_TIME=$(jq -r '.running_time // empty' "$WORK/$name.json" 2>/dev/null || true)
  [ -n "$S_TIME" ] || S_TIME=$(tr -d ' \n' <"$WORK/$name.json" 2>/dev/null | grep -o '"running_time":[0-9.]*' | cut -d: -f2 || true)
}

# --- 4. Schemathesis on the scale spec --------------------------------------------------------
if step 4; then
  say "4. Schemathesis on $SCALE_SPEC: st run --max-examples $ST_CASES --seed 1 --checks all (nice -n 19, timeout $TIMEOUT s)"
  if [ "$ST_OK" != 1 ]; then
    note "skipped: Schemathesis 4 could not be installed into $VENV (needs python3-venv and PyPI)"
  elif [ ! -f "$SCALE_SPEC" ]; then
    note "skipped: $SCALE_SPEC is not there (SCALE_SPEC)"
  else
    note "$("$VENV/bin/st" --version 2>/dev/null | tail -1); load average $(load)"
    start_mock st-scale-mock --spec "$SCALE_SPEC"
    before=$(cpu_ticks "$M_PID")
    st_run st-scale "$(realpath "$SCALE_SPEC")" "$M_URL" "$TIMEOUT" 19
    after=$(cpu_ticks "$M_PID")
    stop "$M_PID"
    case $S_CODE in
      124) finished="no: stopped by timeout after $TIMEOUT s" ;;
      0 | 1) finished="yes (exit $S_CODE)" ;;
      *) finished="no (exit $S_CODE): $(tail -2 "$WORK/st-scale.out" | tr '\n' ' ')" ;;
    esac
    requests=${S_COUNT%% *}
    row "finished" "$finished"
    row "requests sent (status classes of the answers)" "$S_COUNT"
    row "wall, CPU (user+sys), peak RSS" "$S_WALL s, $S_CPU s, $S_RSS MB"
    [ -z "$S_TIME" ] || row "its own running_time" "$S_TIME s"
    row "Schemathesis CPU us/request; mock CPU us/request" "$(cpu_us_per "$S_CPU" "$requests"); $(per_request $((after - before)) "$requests")"
    row "last lines" "$(grep -v '^ *$' "$WORK/st-scale.out" | tail -1)"
    note "load average $(load)"
    start_mock st-scale-mock2 --spec "$SCALE_SPEC"
    conform_run "$CONFORM" "$WORK/st-scale-conform" "$M_PID" --spec "$SCALE_SPEC" --target "$M_URL" \
      --seed 1 --cases "$ST_CASES" --no-snapshots
    stop "$M_PID"
    row "conform run --target the mock --cases $ST_CASES (exit $R_CODE)" "$R_REQUESTS requests in $(time_wall "$WORK/st-scale-conform.time") s, CPU $(time_cpu "$WORK/st-scale-conform.time") s, $R_RSS MB; $R_FINDINGS findings"
    row "conform: requests/s, CPU us/request, mock CPU us/request" "$R_RPS, $R_CPU, $R_MOCK"
  fi
  say ""
fi

# --- 5. Schemathesis on the window spec -------------------------------------------------------
if step 5; then
  say "5. Schemathesis against a mock of $SPEC (st run, --max-examples $ST_CASES)"
  if [ "$ST_OK" != 1 ]; then
    note "skipped: Schemathesis 4 could not be installed into $VENV (needs python3-venv and PyPI)"
  else
    start_mock st-mock --spec "$SPEC" --token "$TOKEN"
    # Every operation, every phase that applies (examples, coverage, fuzzing; no stateful links
    # in this spec), every check, one worker (the default; `--workers auto` was not faster here).
    st_run st-small "$ROOT/$SPEC" "$M_URL" 600 0 -H "Authorization: Bearer $TOKEN"
    if [ "$S_CODE" -le 1 ] && [ -n "$S_TIME" ]; then
      requests=${S_COUNT%% *}
      ST_RPS=$(awk -v n="$requests" -v t="$S_TIME" 'BEGIN { printf "%.1f", n / t }')
      row "$("$VENV/bin/st" --version 2>/dev/null | tail -1): requests, running time" "$S_COUNT in ${S_TIME} s"
      row "Schemathesis requests/s" "$ST_RPS"
      conform_run "$CONFORM" "$WORK/small" "$M_PID" --spec "$SPEC" --target "$M_URL" --token "$TOKEN" \
        --seed 1 --cases "$ST_CASES" --concurrency "$CONCURRENCY" --no-snapshots
      row "conform run --cases $ST_CASES: requests/s" "$R_RPS ($R_REQUESTS requests)"
      row "conform / Schemathesis, same --cases (target >= 100)" "$(ratio "$R_RPS" "$ST_RPS")"
      if step 1; then
        row "conform / Schemathesis, median clean run of step 1" "$(ratio "$(median "$TSV" clean_rps)" "$ST_RPS")"
      fi
    else
      note "skipped: Schemathesis did not finish (exit $S_CODE): $(tail -3 "$WORK/st-small.out")"
    fi
    stop "$M_PID"
  fi
  say ""
fi

# --- 6. load + compile ------------------------------------------------------------------------
if step 6; then
  say "6. load + compile, whole process: conform lint --spec ..."
  "$ROOT/target/release/examples/large_spec" "$WORK/large.yaml" >/dev/null
  for spec in ../shared/fixtures/twilio_api_v2010.yaml "$WORK/large.yaml"; do
    [ -f "$spec" ] || { note "skipped: $spec is not there"; continue; }
    case "$spec" in
      *twilio*) name="Twilio v2010 (real, $(($(stat -c %s "$spec") / 1000)) kB; target < 0.3 s)" ;;
      *) name="synthetic 358 operations ($(($(stat -c %s "$spec") / 1000)) kB)" ;;
    esac
    if have hyperfine hyperfine; then
      hyperfine -N -i --warmup 2 --runs 15 --export-json "$WORK/hf.json" "$CONFORM lint --spec $spec" >/dev/null 2>&1
      mean=$(jq -r '.results[0].mean' "$WORK/hf.json")
      sd=$(jq -r '.results[0].stddev' "$WORK/hf.json")
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
say "load average at end: $(load) ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
