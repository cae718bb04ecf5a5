#!/usr/bin/env bash
# Prints the markdown table of a results.txt written by bench/run.sh: per figure and target, the median of
# the repetitions and, when there are several, their range (min-max).
#
#   bench/report.sh bench/out/<run>/results.txt
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 results.txt" >&2; exit 2; }

awk '
function num(x) { return x + 0 }
function add(label, target, key, v) {
    k = label SUBSEP target SUBSEP key
    n[k]++
    vals[k, n[k]] = v
}
function fmt(v) {
    if (v < 0) return "–"
    if (v >= 100) return sprintf("%.0f", v)
    if (v >= 10) return sprintf("%.1f", v)
    if (v >= 1) return sprintf("%.2f", v)
    return sprintf("%.3f", v)
}
# median (min–max) of label/target/key, or "–"
function cell(label, target, key,    k, m, i, j, t, a, med) {
    k = label SUBSEP target SUBSEP key
    m = n[k]
    if (m == 0) return "–"
    for (i = 1; i <= m; i++) a[i] = vals[k, i]
    for (i = 2; i <= m; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    med = (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
    if (a[1] < 0) return "–"
    if (m == 1) return fmt(med)
    return fmt(med) " (" fmt(a[1]) "–" fmt(a[m]) ")"
}
function row(title, label, key,    s, i, any) {
    for (i = 1; i <= ncols; i++) if ((label SUBSEP cols[i] SUBSEP key) in n) any = 1
    if (!any) return
    s = "| " title
    for (i = 1; i <= ncols; i++) s = s " | " cell(label, cols[i], key)
    print s " |"
}
{
    delete f
    for (i = 1; i <= NF; i++) { p = index($i, "="); if (p) f[substr($i, 1, p - 1)] = substr($i, p + 1) }
    label = f["label"]; target = f["target"]
    reps[f["rep"]] = 1
    seen[target] = 1
    for (key in f) if (key != "label" && key != "target" && key != "mode" && key != "dir" && key != "rep") add(label, target, key, num(f[key]))
    errors[target] += num(f["errors"])
    if (f["mode"] == "bulk") {
        gib = num(f["bytes"]) / 1073741824
        add(label, target, "lg_per_gib", (f["origin_cpu"] < 0 ? 0 : num(f["origin_cpu"])) + num(f["client_cpu"]))
        vals[label SUBSEP target SUBSEP "lg_per_gib", n[label SUBSEP target SUBSEP "lg_per_gib"]] /= gib
    }
    if (f["mode"] == "setup" && num(f["tunnels"]) > 0) {
        add(label, target, "lg_us_per_tunnel", (num(f["client_cpu"]) + (f["origin_cpu"] < 0 ? 0 : num(f["origin_cpu"]))) * 1e6 / num(f["tunnels"]))
    }
    if (f["mode"] == "idle") {
        add(label, target, "rss_before_mib", num(f["rss_before_kib"]) / 1024)
        add(label, target, "rss_peak_mib", num(f["rss_peak_kib"]) / 1024)
        add(label, target, "rss_after_mib", num(f["rss_after_kib"]) / 1024)
        if (("rss_after_peak_cmd_kib" in f) && num(f["rss_after_peak_cmd_kib"]) != num(f["rss_peak_kib"]))
            add(label, target, "rss_peak_cmd_mib", num(f["rss_after_peak_cmd_kib"]) / 1024)
    }
}
END {
    nr = 0; for (r in reps) nr++
    printf "Medians of %d repetition(s); in brackets the range (min–max).\n\n", nr
    # direct, this proxy and Squid always; the C reference relays (bench/run.sh --targets ...,c-copy,c-splice) when run
    ncols = split("direct proxy squid", cols, " ")
    if ("chained" in seen) cols[++ncols] = "chained"
    if ("c-copy" in seen) cols[++ncols] = "c-copy"
    if ("c-splice" in seen) cols[++ncols] = "c-splice"
    title["direct"] = "direct"; title["proxy"] = "this proxy"; title["squid"] = "Squid"; title["chained"] = "this proxy → Squid"
    title["c-copy"] = "C relay, copy"; title["c-splice"] = "C relay, splice"
    hdr = "| figure"; sep = "|---"
    for (i = 1; i <= ncols; i++) { hdr = hdr " | " title[cols[i]]; sep = sep "|---" }
    print hdr " |"
    print sep "|"
    row("1 tunnel bulk upload, MiB/s", "bulk-up", "mibps")
    row("1 tunnel bulk download, MiB/s", "bulk-down", "mibps")
    row("proxy CPU per GiB relayed, 1 tunnel upload, s", "bulk-up", "proxy_cpu_per_gib")
    row("proxy CPU per GiB relayed, 1 tunnel download, s", "bulk-down", "proxy_cpu_per_gib")
    row("load generator CPU per GiB (client + origin), upload, s", "bulk-up", "lg_per_gib")
    row("load generator CPU per GiB (client + origin), download, s", "bulk-down", "lg_per_gib")
    row("machine busy during 1-tunnel upload, cores of 2", "bulk-up", "sys_busy_cores")
    row("machine busy during 1-tunnel download, cores of 2", "bulk-down", "sys_busy_cores")
    row("64 tunnels aggregate upload, MiB/s", "multi-up", "mibps")
    row("64 tunnels aggregate download, MiB/s", "multi-down", "mibps")
    row("proxy CPU per GiB, 64 tunnels upload, s", "multi-up", "proxy_cpu_per_gib")
    row("proxy CPU per GiB, 64 tunnels download, s", "multi-down", "proxy_cpu_per_gib")
    row("tunnel set-up rate, 32 workers, tunnels/s", "setup", "rate")
    row("proxy CPU per tunnel set-up, µs", "setup", "proxy_us_per_tunnel")
    row("load generator CPU per tunnel (client + origin), µs", "setup", "lg_us_per_tunnel")
    row("machine busy during set-up, cores of 2", "setup", "sys_busy_cores")
    row("set-up latency to 2xx at 500/s, p50, ms", "paced", "2xx_p50_ms")
    row("set-up latency to 2xx at 500/s, p99, ms", "paced", "2xx_p99_ms")
    row("set-up latency to the echoed byte at 500/s, p50, ms", "paced", "done_p50_ms")
    row("set-up latency to the echoed byte at 500/s, p99, ms", "paced", "done_p99_ms")
    row("64-byte ping-pong, p50, µs", "pingpong", "p50_us")
    row("64-byte ping-pong, p99, µs", "pingpong", "p99_us")
    row("idle tunnels held", "idle", "tunnels")
    row("RSS growth per idle tunnel, KiB", "idle", "kib_per_tunnel")
    row("RSS growth with the idle tunnels, MiB", "idle", "growth_mib")
    row("RSS before the idle tunnels, MiB", "idle", "rss_before_mib")
    row("RSS while they are held, MiB", "idle", "rss_peak_mib")
    row("RSS after the full GC that measures the live heap (still held), MiB", "idle", "rss_peak_cmd_mib")
    row("RSS after closing them all, MiB", "idle", "rss_after_mib")
    row("live heap before the idle tunnels (after System.gc), MiB", "heap", "heap_before_mib")
    row("live heap while they are held, MiB", "heap", "heap_peak_mib")
    row("live heap after closing them, MiB", "heap", "heap_after_mib")
    row("live heap per idle tunnel, KiB", "heap", "heap_kib_per_tunnel")
    s = "| errors (all scenarios)"
    for (i = 1; i <= ncols; i++) s = s " | " (errors[cols[i]] + 0)
    print s " |"
}
' "$1"
