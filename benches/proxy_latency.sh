#!/bin/sh
# The latency `conform proxy` adds per request, against the direct path to the embedded mock
# (benches/proxy_latency.rs: alternated rounds of sequential GETs, medians of p50 and p99).
# Release profile; bounded (7 rounds x 2 x 2,000 requests).
set -eu
cd "$(dirname "$0")/.."
exec cargo bench --locked --bench proxy_latency
