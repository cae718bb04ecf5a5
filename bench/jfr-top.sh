#!/usr/bin/env bash
# Summarises a JFR recording of the proxy (e.g. one written by `bench/run.sh --jfr`): where the Java threads
# spent their samples, and who allocated, by the first frame of the project's own code.
#
#   bench/jfr-top.sh bench/out/<run>/jfr/setup-rep1.jfr [N]
#
# JFR samples threads only while they run Java code; time in system calls (most of a relay's cost) shows as
# jdk.NativeMethodSample and is counted separately. Use perf for the kernel's share.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 FILE.jfr [N]" >&2; exit 2; }
F="$1"
N="${2:-25}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

jfr print --stack-depth 64 --events jdk.ExecutionSample "$F" > "$TMP/exec.txt"
jfr print --stack-depth 64 --events jdk.NativeMethodSample "$F" > "$TMP/native.txt"
jfr print --stack-depth 64 --events jdk.ObjectAllocationSample "$F" > "$TMP/alloc.txt"
jfr print --events jdk.ExceptionStatistics "$F" > "$TMP/exc.txt"

exec_n=$(grep -c 'jdk.ExecutionSample' "$TMP/exec.txt" || true)
native_n=$(grep -c 'jdk.NativeMethodSample' "$TMP/native.txt" || true)
echo "samples: $exec_n in Java code, $native_n in native methods (system calls, epoll_wait)"
awk '/throwables = /{v=$3; gsub(/[^0-9]/, "", v); if (first == "") first = v; last = v} END { if (first != "") print "throwables created during the recording: " last - first }' "$TMP/exc.txt"

echo
echo "== top frames (Java samples)"
awk '/stackTrace = \[/{getline; sub(/^[ \t]+/, ""); sub(/[ \t]*line:.*/, ""); top[$0]++; n++}
     END {for (k in top) printf "%5.1f%%  %s\n", 100 * top[k] / n, k}' "$TMP/exec.txt" | sort -rn | head -"$N"

echo
echo "== project methods, inclusive (share of Java samples with the method anywhere on the stack)"
awk '/stackTrace = \[/{delete seen; n++; while ((getline line) > 0 && line !~ /^  \]/) { sub(/^[ \t]+/, "", line); sub(/[ \t]*line:.*/, "", line); if (line ~ /acrproxy/ && !(line in seen)) { seen[line] = 1; inc[line]++ } } }
     END {for (k in inc) printf "%5.1f%%  %s\n", 100 * inc[k] / n, k}' "$TMP/exec.txt" | sort -rn | head -"$N"

echo
echo "== native methods (top frame <- caller)"
awk '/stackTrace = \[/{getline a; getline b; sub(/^[ \t]+/, "", a); sub(/[ \t]*line:.*/, "", a); sub(/^[ \t]+/, "", b); sub(/[ \t]*line:.*/, "", b); top[a " <- " b]++; n++}
     END {for (k in top) printf "%5.1f%%  %s\n", 100 * top[k] / n, k}' "$TMP/native.txt" | sort -rn | head -10

echo
echo "== allocation (sampled bytes) by the first project frame on the stack"
awk '/jdk.ObjectAllocationSample/{inb = 1; fr = ""; w = 0}
     /weight = /{w = $3; u = $4; if (u ~ /kB/) w *= 1024; else if (u ~ /MB/) w *= 1048576; else if (u ~ /GB/) w *= 1073741824}
     inb && /line:/ && fr == "" && /acrproxy/ {f = $0; sub(/^[ \t]+/, "", f); sub(/[ \t]*line:.*/, "", f); fr = f}
     /^}/{ if (inb) { if (fr == "") fr = "(no project frame: Netty or JDK)"; tot[fr] += w; all += w }; inb = 0 }
     END {for (k in tot) printf "%5.1f%%  %s\n", 100 * tot[k] / all, k; printf "total sampled weight: %.0f MB\n", all / 1048576 > "/dev/stderr"}' "$TMP/alloc.txt" | sort -rn | head -"$N"
