#!/usr/bin/env bash
# Tunnel benchmarks: this proxy, Squid and a direct connection, on loopback, in one run (issue #3, issue #8).
#
#   bench/run.sh [--quick] [--reps N] [--scenarios LIST] [--targets LIST] [--jvm-opts "FLAGS"] [--jfr]
#                [--bulk-bytes N] [--setup-secs S] [--idle-count N] [--out DIR] [--no-build] [--keep]
#
# See bench/README.md for what each scenario measures and how. Traffic stays on 127.0.0.0/8.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bench/proxy-config.sh
. "$HERE/proxy-config.sh"
ARGS="$*"
ROOT="$(cd "$HERE/.." && pwd)"

# ---------------------------------------------------------------- options
REPS=5
SCENARIOS="bulk,multi,setup,paced,pingpong,idle"
TARGETS="direct,proxy,squid"
JVM_OPTS_DEFAULT="$BENCH_JVM_OPTS_DEFAULT"
JVM_OPTS="$JVM_OPTS_DEFAULT"
TRANSPORT=auto
SPLICE=true
BULK_BYTES=$((2 * 1024 * 1024 * 1024))     # per direction, one tunnel
MULTI_BYTES=$((4 * 1024 * 1024 * 1024))    # per direction, over 64 tunnels
MULTI_CONNS=64
SETUP_SECS=5
SETUP_WORKERS=32
PACED_RATE=500
PACED_SECS=5
PINGPONG_COUNT=20000
IDLE_COUNT=9000
SETTLE_SECS=3
SRC_IPS=16
WARMUP_SECS=20
OUT=""
BUILD=1
KEEP=0
JFR=0
QUICK=0

usage() {
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    cat <<EOF

Options:
  --quick             one repetition, shorter scenarios (about 3 minutes)
  --reps N            repetitions, alternating the targets (default $REPS)
  --scenarios LIST    comma-separated, of: bulk multi setup paced pingpong idle (default: all)
  --targets LIST      comma-separated, of: direct proxy squid chained c-copy c-splice (default: direct,proxy,squid;
                      chained is this proxy with Squid as its parent proxy (parents:), the proxy's CPU measured;
                      c-copy and c-splice are tunnelbench's minimal C relays, for scale)
  --jvm-opts "FLAGS"  JVM flags for the proxy (default: $JVM_OPTS_DEFAULT)
  --transport T       the proxy's transport: auto (default), epoll, io_uring or nio
  --splice true|false the proxy's relay.splice (default true: bulk directions splice on epoll)
  --jfr               record a JFR profile (settings=profile) of the proxy in each proxy scenario
                      (JFR costs a few per cent: use it to explain numbers, not to report them)
  --bulk-bytes N      bytes per direction for one tunnel (default $BULK_BYTES)
  --setup-secs S      length of the closed-loop set-up measurement (default $SETUP_SECS)
  --idle-count N      idle tunnels to hold (default $IDLE_COUNT; the open-file limit caps it near 9,900)
  --out DIR           where results go (default bench/out/<date-time>)
  --no-build          use the jar and tunnelbench already built
  --keep              keep the working directory (configs, logs) in /tmp
EOF
}

while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1 ;;
        --reps) REPS="$2"; shift ;;
        --scenarios) SCENARIOS="$2"; shift ;;
        --targets) TARGETS="$2"; shift ;;
        --jvm-opts) JVM_OPTS="$2"; shift ;;
        --transport) TRANSPORT="$2"; shift ;;
        --splice) SPLICE="$2"; shift ;;
        --jfr) JFR=1 ;;
        --bulk-bytes) BULK_BYTES="$2"; shift ;;
        --setup-secs) SETUP_SECS="$2"; shift ;;
        --idle-count) IDLE_COUNT="$2"; shift ;;
        --out) OUT="$2"; shift ;;
        --no-build) BUILD=0 ;;
        --keep) KEEP=1 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
if [ "$QUICK" = 1 ]; then
    REPS=1
    BULK_BYTES=$((1024 * 1024 * 1024))
    MULTI_BYTES=$((2 * 1024 * 1024 * 1024))
    SETUP_SECS=3
    PACED_SECS=3
    PINGPONG_COUNT=10000
    SETTLE_SECS=2
    WARMUP_SECS=10
fi
has() { case ",$1," in *",$2,"*) return 0 ;; *) return 1 ;; esac; }

OUT="${OUT:-$HERE/out/$(date -u +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
RESULTS="$OUT/results.txt"
: > "$RESULTS"
log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" | tee -a "$OUT/run.log" >&2; }

# ---------------------------------------------------------------- cleanup
WORK="$(mktemp -d /tmp/tunnelbench.XXXXXX)"
chmod 755 "$WORK"
PIDS=()
cleanup() {
    local rc=$?
    set +e
    bench_stop_pids
    if [ -d "$WORK" ]; then
        cp -f "$WORK"/proxy.yaml "$WORK"/proxy.log "$WORK"/chained.yaml "$WORK"/chained.log "$WORK"/squid.conf "$WORK"/squid/cache.log "$OUT"/ 2>/dev/null
        if [ "$KEEP" = 1 ]; then log "working directory kept: $WORK"; else rm -rf "$WORK"; fi
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- build
JAR="$ROOT/proxy-server/target/acr-egress-proxy.jar"
TB="$HERE/.build/tunnelbench"
if [ "$BUILD" = 1 ]; then
    if has "$TARGETS" proxy || has "$TARGETS" chained; then
        log "building the proxy jar (mvn -B -q package -DskipTests)"
        (cd "$ROOT" && mvn -B -q package -DskipTests)
    fi
    log "compiling tunnelbench (gcc -O2 -Wall -Wextra)"
    mkdir -p "$HERE/.build"
    gcc -O2 -Wall -Wextra -o "$TB" "$HERE/tunnelbench.c"
fi
[ -x "$TB" ] || { echo "run.sh: $TB missing (run without --no-build)" >&2; exit 1; }
if has "$TARGETS" proxy || has "$TARGETS" chained; then
    [ -f "$JAR" ] || { echo "run.sh: $JAR missing (run without --no-build)" >&2; exit 1; }
fi
if { has "$TARGETS" squid || has "$TARGETS" chained; } && ! command -v squid >/dev/null 2>&1 && [ ! -x /usr/sbin/squid ]; then
    log "installing squid (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq squid >/dev/null
fi
SQUID_BIN="$(command -v squid || echo /usr/sbin/squid)"
# A packaged squid may have been started by the package's scripts; ours is separate (own port and files).

# ---------------------------------------------------------------- machine facts
{
    echo "# Run $(basename "$OUT")"
    echo
    echo "- command: \`bench/run.sh${ARGS:+ $ARGS}\` (reps $REPS, scenarios $SCENARIOS, targets $TARGETS)"
    echo "- commit: $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown) $(cd "$ROOT" && git diff --quiet 2>/dev/null || echo '(with local changes)')"
    echo "- CPU: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM"
    echo "- kernel: $(uname -r); open-file limit $(ulimit -n)"
    echo "- java: $(java -version 2>&1 | sed -n 2p)"
    echo "- JVM flags for the proxy: \`$JVM_OPTS\`"
    echo "- proxy transport: \`$TRANSPORT\`, relay.splice: \`$SPLICE\`"
    echo "- squid: $("$SQUID_BIN" -v 2>/dev/null | head -1)"
    echo "- gcc: $(gcc --version | head -1)"
    echo "- sysctl: tcp_tw_reuse=$(sysctl -n net.ipv4.tcp_tw_reuse) ip_local_port_range=$(sysctl -n net.ipv4.ip_local_port_range | tr '\t' '-') somaxconn=$(sysctl -n net.core.somaxconn)"
} > "$OUT/env.md"
cat "$OUT/env.md" >&2

# ---------------------------------------------------------------- origin
ORIGIN_IP=127.0.0.21
bench_start_origin
TARGET="$ORIGIN_IP:$ORIGIN_PORT"
log "origin on $TARGET (pid $ORIGIN_PID)"

# ---------------------------------------------------------------- this proxy
PROXY_PID=""
if has "$TARGETS" proxy; then
    PROXY_PORT="$("$TB" freeport --ip 127.0.0.1)"
    ADMIN_PORT="$("$TB" freeport --ip 127.0.0.1)"
    bench_proxy_yaml "$PROXY_PORT" "$ADMIN_PORT" "$ORIGIN_IP" "$ORIGIN_PORT" "$TRANSPORT" "$SPLICE" > "$WORK/proxy.yaml"
    # The access log (stdout, one JSON line per tunnel) goes to a file, as Squid's does.
    # shellcheck disable=SC2086
    java $JVM_OPTS -jar "$JAR" run --config "$WORK/proxy.yaml" > "$WORK/access.log" 2> "$WORK/proxy.log" &
    PROXY_PID=$!
    PIDS+=("$PROXY_PID")
    "$TB" waitport --target "127.0.0.1:$PROXY_PORT" --timeout 60 || { cat "$WORK/proxy.log" >&2; exit 1; }
    log "proxy on 127.0.0.1:$PROXY_PORT (pid $PROXY_PID): $(grep -m1 'listening on' "$WORK/proxy.log" | sed 's/.* - //')"
fi

# ---------------------------------------------------------------- squid
SQUID_PID=""
if has "$TARGETS" squid || has "$TARGETS" chained; then
    SQUID_PORT="$("$TB" freeport --ip 127.0.0.1)"
    bench_squid_setup "http_port 127.0.0.1:$SQUID_PORT"
    "$SQUID_BIN" -k parse -f "$WORK/squid.conf" > "$WORK/squid/parse.log" 2>&1 || { cat "$WORK/squid/parse.log" >&2; exit 1; }
    "$SQUID_BIN" -N -f "$WORK/squid.conf" > "$WORK/squid/stdout.log" 2>&1 &
    SQUID_PID=$!
    PIDS+=("$SQUID_PID")
    "$TB" waitport --target "127.0.0.1:$SQUID_PORT" --timeout 30 || { cat "$WORK/squid/cache.log" >&2; exit 1; }
    log "squid on 127.0.0.1:$SQUID_PORT (pid $SQUID_PID)"
fi

# ---------------------------------------------------------------- this proxy chained to Squid
# A second instance of the proxy, the same config plus Squid as its parent: client -> proxy -> Squid -> origin. Its
# CPU is what "chained" reports; Squid's work is on top (compare with the squid column).
CHAINED_PID=""
if has "$TARGETS" chained; then
    CHAINED_PORT="$("$TB" freeport --ip 127.0.0.1)"
    CHAINED_ADMIN_PORT="$("$TB" freeport --ip 127.0.0.1)"
    {
        bench_proxy_yaml "$CHAINED_PORT" "$CHAINED_ADMIN_PORT" "$ORIGIN_IP" "$ORIGIN_PORT" "$TRANSPORT" "$SPLICE"
        echo "parents: [{name: squid, url: 'http://127.0.0.1:$SQUID_PORT'}]"
    } > "$WORK/chained.yaml"
    # shellcheck disable=SC2086
    java $JVM_OPTS -jar "$JAR" run --config "$WORK/chained.yaml" > "$WORK/chained-access.log" 2> "$WORK/chained.log" &
    CHAINED_PID=$!
    PIDS+=("$CHAINED_PID")
    "$TB" waitport --target "127.0.0.1:$CHAINED_PORT" --timeout 60 || { cat "$WORK/chained.log" >&2; exit 1; }
    log "proxy chained to squid on 127.0.0.1:$CHAINED_PORT (pid $CHAINED_PID)"
fi

# ---------------------------------------------------------------- C reference relays (not proxies)
# tunnelbench relay: a minimal CONNECT relay in C, one thread, no policy, no ClientHello check, no log; --mode copy
# relays through a user-space buffer as this proxy and Squid do, --mode splice with splice(2). For scale: what a
# relay of either kind costs on this kernel, with nothing else to do.
declare -A CRELAY_PORT CRELAY_PID
for mode in copy splice; do
    has "$TARGETS" "c-$mode" || continue
    CRELAY_PORT[$mode]="$("$TB" freeport --ip 127.0.0.1)"
    "$TB" relay --listen "127.0.0.1:${CRELAY_PORT[$mode]}" --target "$TARGET" --mode "$mode" 2> "$WORK/c-$mode.log" &
    CRELAY_PID[$mode]=$!
    PIDS+=("${CRELAY_PID[$mode]}")
    "$TB" waitport --target "127.0.0.1:${CRELAY_PORT[$mode]}" --timeout 10 || { cat "$WORK/c-$mode.log" >&2; exit 1; }
    log "C relay ($mode) on 127.0.0.1:${CRELAY_PORT[$mode]} (pid ${CRELAY_PID[$mode]})"
done

# ---------------------------------------------------------------- running one measurement
proxy_args() {   # target name -> tunnelbench options
    case "$1" in
        direct) echo "--proxy none" ;;
        proxy) echo "--proxy 127.0.0.1:$PROXY_PORT --pid $PROXY_PID" ;;
        squid) echo "--proxy 127.0.0.1:$SQUID_PORT --pid $SQUID_PID" ;;
        chained) echo "--proxy 127.0.0.1:$CHAINED_PORT --pid $CHAINED_PID" ;;
        c-copy) echo "--proxy 127.0.0.1:${CRELAY_PORT[copy]} --pid ${CRELAY_PID[copy]}" ;;
        c-splice) echo "--proxy 127.0.0.1:${CRELAY_PORT[splice]} --pid ${CRELAY_PID[splice]}" ;;
    esac
}

# run_tb REP TARGET LABEL TUNNELBENCH-ARGS...: runs one measurement, bounded in time, and records its RESULT line.
run_tb() {
    local rep="$1" target="$2" label="$3" jfr_name=""
    shift 3
    if [ "$JFR" = 1 ] && [ "$target" = proxy ]; then
        jfr_name="$label-rep$rep"
        jcmd "$PROXY_PID" JFR.start name="$jfr_name" settings=profile > /dev/null
    fi
    local line
    # shellcheck disable=SC2046
    if ! line="$(timeout 300 "$TB" "$@" --target "$TARGET" --label "$label" --origin-pid "$ORIGIN_PID" $(proxy_args "$target") 2> "$WORK/tb.err")"; then
        log "  $label $target: FAILED: $(tail -3 "$WORK/tb.err" | tr '\n' ' ')"
    fi
    if [ -n "$jfr_name" ]; then
        mkdir -p "$OUT/jfr"
        jcmd "$PROXY_PID" JFR.stop name="$jfr_name" filename="$OUT/jfr/$jfr_name.jfr" > /dev/null
    fi
    [ -s "$WORK/tb.err" ] && sed "s/^/    /" "$WORK/tb.err" >> "$OUT/run.log"
    line="$(printf '%s\n' "$line" | grep '^RESULT' || true)"
    if [ -n "$line" ]; then
        echo "rep=$rep target=$target ${line#RESULT }" >> "$RESULTS"
        log "  $(printf '%-7s %-10s' "$target" "$label") $(printf '%s' "${line#RESULT label=$label }" | cut -c1-150)"
    fi
}

heap_used_mib() {   # sums the "used" of the heap's top-level lines of GC.heap_info
    jcmd "$1" GC.heap_info 2>/dev/null | awk '/^ [a-zA-Z].* total [0-9]+K, used [0-9]+K/ {
        for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub(/K,?/, "", v); s += v } }
        END { printf "%.1f", s / 1024 }'
}

# Order of targets in repetition r: rotated, so that no target always runs first or last.
order() {
    local r="$1" list=() t
    IFS=, read -r -a list <<< "$TARGETS"
    local n=${#list[@]} i
    for ((i = 0; i < n; i++)); do
        t="${list[$(((i + r - 1) % n))]}"
        printf '%s ' "$t"
    done
}

scenario() {   # scenario rep
    local s="$1" rep="$2" t
    for t in $(order "$rep"); do
        case "$s" in
            bulk)
                run_tb "$rep" "$t" bulk-up bulk --dir up --bytes "$BULK_BYTES"
                run_tb "$rep" "$t" bulk-down bulk --dir down --bytes "$BULK_BYTES" ;;
            multi)
                run_tb "$rep" "$t" multi-up bulk --dir up --bytes "$MULTI_BYTES" --conns "$MULTI_CONNS"
                run_tb "$rep" "$t" multi-down bulk --dir down --bytes "$MULTI_BYTES" --conns "$MULTI_CONNS" ;;
            setup)
                run_tb "$rep" "$t" setup setup --workers "$SETUP_WORKERS" --duration "$SETUP_SECS" --src-ips "$SRC_IPS" ;;
            paced)
                run_tb "$rep" "$t" paced paced --rate "$PACED_RATE" --duration "$PACED_SECS" --src-ips "$SRC_IPS" ;;
            pingpong)
                run_tb "$rep" "$t" pingpong pingpong --size 64 --count "$PINGPONG_COUNT" ;;
            idle)
                # not the C relays: they allocate their buffers or pipes per tunnel up front (no idle design)
                case "$t" in direct|c-*) continue ;; esac
                local peak="" h0="" h1="" h2=""
                if [ "$t" = proxy ]; then
                    # Live heap: a full GC (System.gc) before each heap reading. The RSS readings come first
                    # (the peak one is taken before --peak-cmd runs); the heap is fixed in size (-Xms = -Xmx
                    # by default), so a GC does not hand memory back to the OS and move the RSS baseline.
                    jcmd "$PROXY_PID" GC.run > /dev/null 2>&1 || true
                    h0="$(heap_used_mib "$PROXY_PID")"
                    peak="jcmd $PROXY_PID GC.run > /dev/null 2>&1; jcmd $PROXY_PID GC.heap_info > $WORK/heap-peak.txt 2>&1"
                fi
                run_tb "$rep" "$t" idle idle --count "$IDLE_COUNT" --concurrency 64 --settle "$SETTLE_SECS" --src-ips "$SRC_IPS" \
                    ${peak:+--peak-cmd "$peak"}
                if [ "$t" = proxy ]; then
                    h1="$(awk '/^ [a-zA-Z].* total [0-9]+K, used [0-9]+K/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub(/K,?/, "", v); s += v } }
                                END { printf "%.1f", s / 1024 }' "$WORK/heap-peak.txt")"
                    jcmd "$PROXY_PID" GC.run > /dev/null 2>&1 || true
                    h2="$(heap_used_mib "$PROXY_PID")"
                    cp "$WORK/heap-peak.txt" "$OUT/heap-peak-rep$rep.txt"
                    echo "rep=$rep target=proxy label=heap mode=heap heap_before_mib=$h0 heap_peak_mib=$h1 heap_after_mib=$h2" \
                        "heap_kib_per_tunnel=$(awk -v a="$h0" -v b="$h1" -v n="$IDLE_COUNT" 'BEGIN { printf "%.2f", (b - a) * 1024 / n }')" >> "$RESULTS"
                    log "  proxy   heap       live before $h0 MiB, with $IDLE_COUNT idle tunnels $h1 MiB, after closing $h2 MiB"
                fi ;;
        esac
    done
}

# ---------------------------------------------------------------- sanity check and warm-up
for t in $(order 1); do
    # shellcheck disable=SC2046
    if ! "$TB" bulk --target "$TARGET" --dir up --bytes 1048576 $(proxy_args "$t") > /dev/null 2> "$WORK/tb.err"; then
        log "sanity check through $t failed: $(cat "$WORK/tb.err")"
        exit 1
    fi
done
# The JVM needs about 20-30 s of set-up traffic before the JIT has compiled the connection path (the first
# seconds cost 3-10x more CPU per tunnel); both proxies get the same warm-up.
log "warm-up (not recorded): ${WARMUP_SECS} s of tunnel set-ups, bulk and ping-pong through each proxy"
for t in $(order 1); do
    [ "$t" = direct ] && continue
    # shellcheck disable=SC2046
    {
        timeout 120 "$TB" setup --target "$TARGET" --workers 32 --duration "$WARMUP_SECS" --src-ips "$SRC_IPS" $(proxy_args "$t")
        timeout 60 "$TB" bulk --target "$TARGET" --dir up --bytes $((1024 * 1024 * 1024)) $(proxy_args "$t")
        timeout 60 "$TB" bulk --target "$TARGET" --dir down --bytes $((1024 * 1024 * 1024)) $(proxy_args "$t")
        timeout 60 "$TB" pingpong --target "$TARGET" --count 5000 $(proxy_args "$t")
    } > /dev/null 2>> "$OUT/run.log" || log "warm-up through $t had errors (see run.log)"
done
# jcmd starts the JVM's attach listener once, here, so that the idle scenario's baseline includes it.
[ -n "$PROXY_PID" ] && jcmd "$PROXY_PID" VM.flags > "$OUT/jvm-flags.txt" 2>&1 || true

# ---------------------------------------------------------------- the run
START=$(date +%s)
IFS=, read -r -a SCEN_LIST <<< "$SCENARIOS"
for rep in $(seq 1 "$REPS"); do
    log "repetition $rep of $REPS (order: $(order "$rep"))"
    for s in "${SCEN_LIST[@]}"; do
        scenario "$s" "$rep"
    done
done
log "measured in $(( $(date +%s) - START )) s"

# ---------------------------------------------------------------- report
for pid in "$PROXY_PID" "$SQUID_PID" "$CHAINED_PID"; do
    [ -n "$pid" ] && grep -E '^(VmRSS|VmHWM|Threads)' "/proc/$pid/status" | tr -s ' \t' ' ' | sed "s/^/pid $pid: /" >> "$OUT/run.log"
done
grep -c . "$WORK/access.log" 2>/dev/null | sed 's/^/proxy access log lines: /' >> "$OUT/run.log" || true
{
    cat "$OUT/env.md"
    echo
    "$HERE/report.sh" "$RESULTS"
} > "$OUT/table.md"
"$HERE/report.sh" "$RESULTS"
log "results: $OUT/table.md (raw: $RESULTS)"
