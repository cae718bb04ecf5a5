#!/usr/bin/env bash
# The TLS port's benchmarks: tunnel set-up rate and CPU per tunnel, and one-tunnel bulk, through this proxy's plain
# port and its TLS port (listenTls), side by side with Squid's http_port and https_port, on loopback, in one run.
#
#   bench/tls-run.sh [--reps N] [--setup-secs S] [--workers N] [--bulk-bytes N] [--jvm-opts "FLAGS"] [--no-build]
#
# Clients are bench/tlsbench.c (OpenSSL, full handshakes, no resumption: Go's net/http default); the origin is
# tunnelbench's. Results: bench/out/tls-<date-time>/ (results.txt, table.md, logs). Needs gcc, libssl-dev, openssl
# and Squid (installed with apt-get when missing; root).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bench/proxy-config.sh
. "$HERE/proxy-config.sh"
ROOT="$(cd "$HERE/.." && pwd)"
ARGS="$*"
REPS=3
SETUP_SECS=5
WORKERS=16
BULK_BYTES=$((1024 * 1024 * 1024))
JVM_OPTS="$BENCH_JVM_OPTS_DEFAULT"
WARMUP_SECS=20
BUILD=1
while [ $# -gt 0 ]; do
    case "$1" in
        --reps) REPS="$2"; shift ;;
        --setup-secs) SETUP_SECS="$2"; shift ;;
        --workers) WORKERS="$2"; shift ;;
        --bulk-bytes) BULK_BYTES="$2"; shift ;;
        --jvm-opts) JVM_OPTS="$2"; shift ;;
        --no-build) BUILD=0 ;;
        *) echo "tls-run.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

OUT="$HERE/out/tls-$(date -u +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
RESULTS="$OUT/results.txt"
: > "$RESULTS"
log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" | tee -a "$OUT/run.log" >&2; }
WORK="$(mktemp -d /tmp/tlsbench.XXXXXX)"
chmod 755 "$WORK"
PIDS=()
cleanup() {
    local rc=$?
    set +e
    bench_stop_pids
    cp -f "$WORK"/proxy.yaml "$WORK"/proxy.log "$WORK"/squid.conf "$WORK"/squid/cache.log "$OUT"/ 2>/dev/null
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

JAR="$ROOT/proxy-server/target/acr-egress-proxy.jar"
TB="$HERE/.build/tunnelbench"
TLSB="$HERE/.build/tlsbench"
if [ "$BUILD" = 1 ]; then
    log "building the proxy jar, tunnelbench and tlsbench"
    (cd "$ROOT" && mvn -B -q package -DskipTests)
    mkdir -p "$HERE/.build"
    gcc -O2 -Wall -Wextra -o "$TB" "$HERE/tunnelbench.c"
    gcc -O2 -Wall -Wextra -pthread -o "$TLSB" "$HERE/tlsbench.c" -lssl -lcrypto
fi
if ! command -v squid >/dev/null 2>&1 && [ ! -x /usr/sbin/squid ]; then
    log "installing squid (apt-get)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq squid >/dev/null
fi
SQUID_BIN="$(command -v squid || echo /usr/sbin/squid)"
{
    echo "# TLS port run $(basename "$OUT")"
    echo
    echo "- command: \`bench/tls-run.sh${ARGS:+ $ARGS}\` (reps $REPS, set-up ${SETUP_SECS}s with $WORKERS workers, bulk $BULK_BYTES bytes)"
    echo "- commit: $(cd "$ROOT" && git rev-parse --short HEAD) $(cd "$ROOT" && git diff --quiet || echo '(with local changes)')"
    echo "- CPU: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
    echo "- java: $(java -version 2>&1 | sed -n 2p); JVM flags: \`$JVM_OPTS\`"
    echo "- squid: $("$SQUID_BIN" -v | head -1) (GnuTLS); openssl: $(openssl version)"
} > "$OUT/env.md"

# ---------------------------------------------------------------- PKI: a CA and the proxies' certificate (P-256)
(cd "$WORK" && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.crt \
    -days 2 -subj "/CN=bench CA" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
 openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout proxy.key -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -out proxy.csr 2>/dev/null
 openssl x509 -req -in proxy.csr -CA ca.crt -CAkey ca.key -CAcreateserial -copy_extensions copyall -days 2 \
    -out proxy.crt 2>/dev/null
 chmod 644 proxy.key)

# ---------------------------------------------------------------- origin, proxy, squid
ORIGIN_IP=127.0.0.21
bench_start_origin
"$TB" hello --host bench.example.org > "$WORK/hello.bin"
PROXY_PORT="$("$TB" freeport --ip 127.0.0.1)"
PROXY_TLS_PORT="$("$TB" freeport --ip 127.0.0.1)"
ADMIN_PORT="$("$TB" freeport --ip 127.0.0.1)"
{
    bench_proxy_yaml "$PROXY_PORT" "$ADMIN_PORT" "$ORIGIN_IP" "$ORIGIN_PORT"
    echo "listenTls: {address: 127.0.0.1, port: $PROXY_TLS_PORT, certFile: $WORK/proxy.crt, keyFile: $WORK/proxy.key}"
} > "$WORK/proxy.yaml"
# shellcheck disable=SC2086
java $JVM_OPTS -jar "$JAR" run --config "$WORK/proxy.yaml" > "$WORK/access.log" 2> "$WORK/proxy.log" &
PROXY_PID=$!
PIDS+=("$PROXY_PID")
"$TB" waitport --target "127.0.0.1:$PROXY_TLS_PORT" --timeout 60 || { cat "$WORK/proxy.log" >&2; exit 1; }
log "proxy: plain 127.0.0.1:$PROXY_PORT, TLS 127.0.0.1:$PROXY_TLS_PORT (pid $PROXY_PID)"

SQUID_PORT="$("$TB" freeport --ip 127.0.0.1)"
SQUID_TLS_PORT="$("$TB" freeport --ip 127.0.0.1)"
bench_squid_setup "http_port 127.0.0.1:$SQUID_PORT
https_port 127.0.0.1:$SQUID_TLS_PORT tls-cert=$WORK/proxy.crt tls-key=$WORK/proxy.key"
"$SQUID_BIN" -N -f "$WORK/squid.conf" > "$WORK/squid/stdout.log" 2>&1 &
SQUID_PID=$!
PIDS+=("$SQUID_PID")
"$TB" waitport --target "127.0.0.1:$SQUID_TLS_PORT" --timeout 30 || { cat "$WORK/squid/cache.log" >&2; exit 1; }
log "squid: plain 127.0.0.1:$SQUID_PORT, TLS 127.0.0.1:$SQUID_TLS_PORT (pid $SQUID_PID)"

target_args() {
    case "$1" in
        proxy) echo "--proxy 127.0.0.1:$PROXY_PORT --pid $PROXY_PID" ;;
        proxy-tls) echo "--proxy 127.0.0.1:$PROXY_TLS_PORT --tls --ca $WORK/ca.crt --pid $PROXY_PID" ;;
        squid) echo "--proxy 127.0.0.1:$SQUID_PORT --pid $SQUID_PID" ;;
        squid-tls) echo "--proxy 127.0.0.1:$SQUID_TLS_PORT --tls --ca $WORK/ca.crt --pid $SQUID_PID" ;;
    esac
}
run() {   # run REP TARGET SCENARIO ARGS...
    local rep="$1" target="$2" scenario="$3"
    shift 3
    local line
    # shellcheck disable=SC2046
    if line="$(timeout 300 "$TLSB" "$scenario" $(target_args "$target") --connect "bench.example.org:$ORIGIN_PORT" \
            --hello "$WORK/hello.bin" --label "$target" "$@" 2>> "$OUT/run.log")"; then
        echo "rep=$rep $line" >> "$RESULTS"
        log "  rep $rep $target $scenario: ${line#RESULT }"
    else
        log "  rep $rep $target $scenario: FAILED"
    fi
}

log "warm-up: ${WARMUP_SECS}s of set-ups on each of the proxy's ports"
"$TLSB" setup $(target_args proxy) --connect "bench.example.org:$ORIGIN_PORT" --hello "$WORK/hello.bin" --workers "$WORKERS" --secs "$WARMUP_SECS" > /dev/null
"$TLSB" setup $(target_args proxy-tls) --connect "bench.example.org:$ORIGIN_PORT" --hello "$WORK/hello.bin" --workers "$WORKERS" --secs "$WARMUP_SECS" > /dev/null
"$TLSB" bulk $(target_args proxy-tls) --connect "bench.example.org:$ORIGIN_PORT" --hello "$WORK/hello.bin" --bytes "$BULK_BYTES" > /dev/null

TARGETS=(proxy proxy-tls squid squid-tls)
for rep in $(seq 1 "$REPS"); do
    # The order rotates each repetition, so that no target always runs first or last.
    for i in 0 1 2 3; do
        t="${TARGETS[$(( (i + rep - 1) % 4 ))]}"
        run "$rep" "$t" setup --workers "$WORKERS" --secs "$SETUP_SECS"
        sleep 2   # TIME_WAIT sockets of the set-ups drain a little between targets
        run "$rep" "$t" bulk --bytes "$BULK_BYTES"
    done
done

# ---------------------------------------------------------------- table: medians over the repetitions
median() { sort -n | awk '{v[NR]=$1} END {if (NR == 0) print "-"; else if (NR % 2) print v[(NR+1)/2]; else printf "%.3f\n", (v[NR/2]+v[NR/2+1])/2}'; }
field() { grep " scenario=$1 label=$2 " "$RESULTS" | sed -n "s/.* $3=\([^ ]*\).*/\1/p"; }
{
    cat "$OUT/env.md"
    echo
    echo "| target | set-ups/s | proxy CPU ms per set-up | client CPU (cores) during set-ups | bulk MiB/s | proxy CPU s per GiB |"
    echo "|---|---|---|---|---|---|"
    for t in "${TARGETS[@]}"; do
        echo "| $t | $(field setup "$t" tunnels_per_s | median) | $(field setup "$t" proxy_cpu_ms_per_tunnel | median) | $(field setup "$t" client_cpu_cores | median) | $(field bulk "$t" mib_per_s | median) | $(field bulk "$t" proxy_cpu_s_per_gib | median) |"
    done
    echo
    echo "Medians over $REPS repetitions; each cell's raw values are in results.txt."
} > "$OUT/table.md"
cat "$OUT/table.md"
