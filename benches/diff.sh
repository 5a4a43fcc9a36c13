#!/usr/bin/env bash
# `conform diff` of two 3 MB specs, whole process (DESIGN.md target: < 1 s). Prints figures;
# asserts nothing. CI does not run it.
#
#   bash benches/diff.sh
#
# The old version is the 3 MB Atlas spec in ../shared/fixtures; the new one is a copy edited
# here, in a temporary directory (removed on exit), with changes of the kinds a release brings:
# maxLength lowered everywhere it is 64, enum values added, readOnly flags dropped, an operation
# deprecated, properties made required. Then each of `text` and `json` is timed RUNS times
# (default 5) with the release build; best and median are printed, and the change count.
set -euo pipefail
cd "$(dirname "$0")/.."
SPEC=${SPEC:-../shared/fixtures/atlas/atlas-api-2026.yaml}
RUNS=${RUNS:-5}
[ -f "$SPEC" ] || { echo "missing $SPEC" >&2; exit 2; }
cargo build --release --quiet
BIN=target/release/conform
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cp "$SPEC" "$TMP/old.yaml"
python3 - "$SPEC" "$TMP/new.yaml" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
text = text.replace("maxLength: 64", "maxLength: 48")
# Enum values added after the first 40 `- AWS` items (same indentation).
seen = [0]
def add(m):
    seen[0] += 1
    return m.group(0) + (m.group(1).lstrip("\n") + "- ORACLE\n" if seen[0] <= 40 else "")
text = re.sub(r"(\n *)- AWS\n", add, text)
# 30 readOnly flags dropped (the property appears in requests: widened request schemas).
text = text.replace("          readOnly: true\n", "", 30)
# 20 operations deprecated.
text = re.sub(r"(\n      operationId: [A-Za-z]+\n)", r"\1      deprecated: true\n", text, count=20)
open(sys.argv[2], "w").write(text)
PY
ls -l "$TMP/old.yaml" "$TMP/new.yaml" | awk '{print $5, $9}'
for fmt in text json; do
    times=()
    for _ in $(seq "$RUNS"); do
        start=$(date +%s%N)
        set +e
        "$BIN" diff "$TMP/old.yaml" "$TMP/new.yaml" --format "$fmt" > "$TMP/out.$fmt"
        rc=$?
        set -e
        end=$(date +%s%N)
        [ "$rc" -le 1 ] || { echo "conform diff failed ($rc)" >&2; exit 1; }
        times+=($(( (end - start) / 1000000 )))
    done
    sorted=($(printf '%s\n' "${times[@]}" | sort -n))
    echo "diff --format $fmt: best ${sorted[0]} ms, median ${sorted[$((RUNS / 2))]} ms over $RUNS runs (exit $rc)"
done
echo "changes: $(grep -c '"kind"' "$TMP/out.json") ($(python3 -c "import json,sys; d=json.load(open('$TMP/out.json')); print(d['breaking'], 'breaking,', d['non_breaking'], 'non-breaking')"))"
echo "one spec, loaded alone (conform lint): $( { /usr/bin/env time -f %e "$BIN" lint --spec "$TMP/old.yaml" > /dev/null; } 2>&1 | tail -1 ) s"
