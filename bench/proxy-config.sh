# Sourced by bench/run.sh and bench/counts.sh: the proxy's JVM flags and configuration for the benchmarks,
# kept in one place so that both measure the same proxy.

# shellcheck disable=SC2034  # used by the scripts that source this file
BENCH_JVM_OPTS_DEFAULT="-Xms256m -Xmx256m -XX:+UseG1GC -XX:MaxDirectMemorySize=256m -Dio.netty.allocator.lowMemory=false"

# bench_proxy_yaml PROXY_PORT ADMIN_PORT ORIGIN_IP ORIGIN_PORT [TRANSPORT [SPLICE]]: prints proxy.yaml. Loopback is the test's
# internet, which the default deny ranges refuse, so only link-local stays denied.
bench_proxy_yaml() {
    cat <<YAML
listen: {address: 127.0.0.1, port: $1}
admin: {address: 127.0.0.1, port: $2}
registries: []
extraHosts: [bench.example.org]
ports: [$4]
resolver: {hosts: {bench.example.org: $3}}
destinations: {denyRanges: ['169.254.0.0/16']}
clients: {allow: ['127.0.0.0/8']}
timeouts: {idle: 10m, drain: 2s}
limits: {maxConnections: 20000, maxConnectionsPerClient: 20000}
transport: ${5:-auto}
relay: {splice: ${6:-true}}
YAML
}

# bench_start_origin: starts tunnelbench's origin on $ORIGIN_IP (ephemeral port) in the background; sets ORIGIN_PID
# (also appended to PIDS) and ORIGIN_PORT. Needs TB (the tunnelbench binary) and WORK (the working directory).
bench_start_origin() {
    "$TB" origin --listen "$ORIGIN_IP:0" --port-file "$WORK/origin.port" 2> "$WORK/origin.log" &
    ORIGIN_PID=$!
    PIDS+=("$ORIGIN_PID")
    for _ in $(seq 1 50); do [ -s "$WORK/origin.port" ] && break; sleep 0.1; done
    ORIGIN_PORT="$(cat "$WORK/origin.port")"
}
