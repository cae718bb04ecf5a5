#!/usr/bin/env bash
# Per-tunnel counts for the set-up path of this proxy: Throwables created (by class), bytes allocated and
# system calls, each divided by the number of tunnels that closed during the measurement.
#
#   bench/counts.sh [--secs S] [--warmup S] [--no-strace] [--perf] [--out DIR] [--jvm-opts "FLAGS"] [--parent URL]
#
# --parent http://HOST:PORT sends every tunnel through that parent proxy (a Squid you started, which must resolve
# bench.example.org to 127.0.0.21 and allow CONNECT to any port), to count what chaining adds per tunnel.
# --perf adds a CPU profile of the same workload with perf (Debian's linux-perf): the share of the proxy's samples
# in the kernel, the JVM, libc and JIT-compiled Java (named through `jcmd Compiler.perfmap`), and the top symbols.
#
# Counts, not timings: they hardly move when the machine is busy, so they can be compared across commits
# on a shared machine where bench/run.sh's rates and CPU figures cannot. The workload is bench/run.sh's
# `setup` scenario (CONNECT, 2xx, ClientHello + 1 byte, the echoed byte, close; 32 in flight).
#
# Uses the jar and tunnelbench as built by bench/run.sh (it builds neither), jcmd/jfr from the JDK, and strace
# (apt-get install strace) for the system calls. strace slows the proxy down a lot; the counts stay exact.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
# shellcheck source=bench/proxy-config.sh
. "$HERE/proxy-config.sh"
SECS=3
WARMUP=15
STRACE=1
PERF=0
OUT=""
JVM_OPTS="$BENCH_JVM_OPTS_DEFAULT"
PARENT=""
while [ $# -gt 0 ]; do
    case "$1" in
        --secs) SECS="$2"; shift ;;
        --warmup) WARMUP="$2"; shift ;;
        --no-strace) STRACE=0 ;;
        --perf) PERF=1 ;;
        --out) OUT="$2"; shift ;;
        --jvm-opts) JVM_OPTS="$2"; shift ;;
        --parent) PARENT="$2"; shift ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "counts.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
JAR="$ROOT/proxy-server/target/acr-egress-proxy.jar"
TB="$HERE/.build/tunnelbench"
[ -f "$JAR" ] || { echo "counts.sh: $JAR missing (mvn -B -q package -DskipTests)" >&2; exit 1; }
[ -x "$TB" ] || { echo "counts.sh: $TB missing (gcc -O2 -o $TB bench/tunnelbench.c)" >&2; exit 1; }
if [ "$STRACE" = 1 ] && ! command -v strace > /dev/null; then
    echo "counts.sh: strace missing (apt-get install strace), or use --no-strace" >&2; exit 1
fi
OUT="${OUT:-$HERE/out/counts-$(date -u +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"
WORK="$(mktemp -d /tmp/tunnelcounts.XXXXXX)"
PIDS=()
cleanup() {
    set +e
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2> /dev/null; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2> /dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT

ORIGIN_IP=127.0.0.21
bench_start_origin
PROXY_PORT="$("$TB" freeport --ip 127.0.0.1)"
ADMIN_PORT="$("$TB" freeport --ip 127.0.0.1)"
bench_proxy_yaml "$PROXY_PORT" "$ADMIN_PORT" "$ORIGIN_IP" "$ORIGIN_PORT" > "$WORK/proxy.yaml"
[ -n "$PARENT" ] && echo "parents: [{name: parent, url: '$PARENT'}]" >> "$WORK/proxy.yaml"
# shellcheck disable=SC2086
java $JVM_OPTS -jar "$JAR" run --config "$WORK/proxy.yaml" > "$WORK/access.log" 2> "$WORK/proxy.log" &
PROXY_PID=$!
PIDS+=("$PROXY_PID")
"$TB" waitport --target "127.0.0.1:$PROXY_PORT" --timeout 60 || { cat "$WORK/proxy.log" >&2; exit 1; }
setup() {
    timeout 120 "$TB" setup --workers 32 --duration "$1" --src-ips 16 --target "$ORIGIN_IP:$ORIGIN_PORT" \
        --proxy "127.0.0.1:$PROXY_PORT" --pid "$PROXY_PID" --origin-pid "$ORIGIN_PID" --label setup 2>> "$WORK/tb.err" \
        | grep '^RESULT' || true
}
lines() { wc -l < "$WORK/access.log"; }
# Waits until the access log stops growing (the last tunnels' lines are written).
settle() { local a b; a="$(lines)"; while sleep 0.5; b="$(lines)"; [ "$a" != "$b" ]; do a="$b"; done; echo "$b"; }

echo "warm-up: ${WARMUP} s of set-ups" >&2
setup "$WARMUP" > /dev/null
settle > /dev/null

# JFR: the profile settings plus every Throwable constructed (jdk.JavaExceptionThrow, off by default) and
# per-thread allocation totals every second.
JFC="$WORK/counts.jfc"
sed -e '/<event name="jdk.JavaExceptionThrow">/,/<\/event>/s/<setting name="enabled"[^>]*>false</<setting name="enabled">true</' \
    -e '/<event name="jdk.ThreadAllocationStatistics">/,/<\/event>/s/<setting name="period"[^>]*>[^<]*</<setting name="period">1 s</' \
    "$(dirname "$(readlink -f "$(command -v java)")")/../lib/jfr/profile.jfc" > "$JFC"
n0="$(lines)"
jcmd "$PROXY_PID" JFR.start name=counts settings="$JFC" > /dev/null
echo "measuring: ${SECS} s of set-ups under JFR" >&2
setup "$SECS" > "$OUT/setup-jfr.txt"
n1="$(settle)"
jcmd "$PROXY_PID" JFR.stop name=counts filename="$OUT/counts.jfr" > /dev/null
tunnels=$((n1 - n0))

jfr print --events jdk.JavaExceptionThrow --stack-depth 8 "$OUT/counts.jfr" > "$WORK/throw.txt"
jfr print --events jdk.ThreadAllocationStatistics "$OUT/counts.jfr" > "$WORK/alloc.txt"
{
    echo "tunnels closed during the JFR recording: $tunnels"
    echo
    echo "== Throwables constructed per tunnel, by class (JFR jdk.JavaExceptionThrow)"
    awk '/thrownClass = /{c = $3; n[c]++; all++} END {for (k in n) printf "%8.3f  %s\n", n[k] / t, k; printf "%8.3f  all\n", all / t}' \
        t="$tunnels" "$WORK/throw.txt" | sort -rn
    echo
    echo "== where they are constructed (first frames below the constructors), per tunnel"
    awk '/jdk.JavaExceptionThrow/{inb = 1; s = ""; k = 0}
         inb && /line:/ && !/<init>|fillInStackTrace|ThrowableTracer/ && k < 2 {f = $0; sub(/^[ \t]+/, "", f); sub(/[ \t]*line:.*/, "", f); s = s (k ? " <- " : "") f; k++}
         inb && /thrownClass = /{c = $3}
         /^}/{ if (inb) w[c "  at " s]++; inb = 0 }
         END {for (x in w) printf "%8.3f  %s\n", w[x] / t, x}' t="$tunnels" "$WORK/throw.txt" | sort -rn | head -12
    echo
    # The readings come once a second: divide by the tunnels whose access-log line falls between the first
    # and the last reading (the line's ts is when the tunnel started; they last milliseconds here).
    t_first="$(awk '/startTime = /{print $3}' "$WORK/alloc.txt" | sort | head -1)"
    t_last="$(awk '/startTime = /{print $3}' "$WORK/alloc.txt" | sort | tail -1)"
    at="$(sed -n 's/^{"ts":"[0-9-]*T\([0-9:.]*\)Z".*/\1/p' "$WORK/access.log" | awk -v a="$t_first" -v b="$t_last" '$1 >= a && $1 < b' | wc -l)"
    echo "== bytes allocated per tunnel, by thread (JFR jdk.ThreadAllocationStatistics, $t_first to $t_last, $at tunnels)"
    awk '/allocated = /{v = $3; u = $4; if (u ~ /kB/) v *= 1024; else if (u ~ /MB/) v *= 1048576; else if (u ~ /GB/) v *= 1073741824}
         /thread = /{name = $0; sub(/.*thread = "/, "", name); sub(/".*/, "", name); if (!(name in lo)) lo[name] = v; hi[name] = v}
         END {for (k in hi) { d = hi[k] - lo[k]; if (d > 0) { printf "%10.0f  %s\n", d / t, k; all += d } } printf "%10.0f  all threads\n", all / t}' \
        t="$at" "$WORK/alloc.txt" | sort -rn | head -12
} | tee "$OUT/counts.txt"

if [ "$STRACE" = 1 ]; then
    echo >&2
    echo "measuring: ${SECS} s of set-ups under strace -c -f" >&2
    n0="$(lines)"
    strace -c -f -p "$PROXY_PID" -o "$WORK/strace.txt" &
    STRACE_PID=$!
    sleep 1
    setup "$SECS" > "$OUT/setup-strace.txt"
    n1="$(settle)"
    kill -INT "$STRACE_PID"
    wait "$STRACE_PID" || true
    tunnels=$((n1 - n0))
    {
        echo
        echo "== system calls per tunnel (strace -c -f, $tunnels tunnels; all threads)"
        echo "   calls   errors  syscall"
        awk '/^ *[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9]+/ && $NF != "total" {e = (NF == 6 ? $5 : 0); all += $4;
                 printf "%8.2f %8.2f  %s\n", $4 / t, e / t, $NF} END {printf "%8.2f %8s  total\n", all / t, ""}' \
            t="$tunnels" "$WORK/strace.txt" | sort -rn | head -25
    } | tee -a "$OUT/counts.txt"
    cp "$WORK/strace.txt" "$OUT/strace.txt"
fi
if [ "$PERF" = 1 ]; then
    command -v perf > /dev/null || { echo "counts.sh: perf missing (apt-get install linux-perf)" >&2; exit 1; }
    echo >&2
    echo "measuring: ${SECS} s of set-ups under perf record" >&2
    perf record -F 2999 -g -p "$PROXY_PID" -o "$WORK/perf.data" 2> "$WORK/perf.err" &
    PERF_PID=$!
    sleep 1
    setup "$SECS" > "$OUT/setup-perf.txt"
    kill -INT "$PERF_PID"
    wait "$PERF_PID" || true
    # Names for the JIT-compiled code, written to /tmp/perf-<pid>.map, where perf report looks for them.
    jcmd "$PROXY_PID" Compiler.perfmap > /dev/null
    {
        echo
        echo "== where the proxy's CPU samples are (perf, ${SECS} s of set-ups; by object: kernel, JIT = Java code)"
        perf report -i "$WORK/perf.data" --no-children --sort dso --stdio 2> /dev/null \
            | awk '/^ +[0-9.]+%/ {d = $2; if (d ~ /kernel/) d = "kernel"; else if (d ~ /^perf-[0-9]+\.map$/) d = "JIT-compiled Java";
                   printf "%8s  %s\n", $1, d}' | head -12
        echo
        echo "== by thread"
        perf report -i "$WORK/perf.data" --no-children --sort comm --stdio 2> /dev/null \
            | awk '/^ +[0-9.]+%/ {pct = $1; $1 = ""; sub(/^ +/, ""); printf "%8s  %s\n", pct, $0}' | head -12
        echo
        echo "== top symbols (self)"
        perf report -i "$WORK/perf.data" --no-children --sort dso,sym --stdio 2> /dev/null \
            | awk '/^ +[0-9.]+%/ {pct = $1; $1 = ""; sub(/^ +/, ""); printf "%8s  %s\n", pct, $0}' | head -40
    } | tee -a "$OUT/counts.txt"
    mv "/tmp/perf-$PROXY_PID.map" "$OUT/" 2> /dev/null || true
    mv "$WORK/perf.data" "$OUT/perf.data" || true
fi
echo "(counts: $OUT/counts.txt)" >&2
