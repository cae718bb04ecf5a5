# Sourced by bench/run.sh, bench/tls-run.sh and bench/counts.sh: the proxy's JVM flags and configuration for the benchmarks,
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

# bench_squid_setup LISTEN_LINES: writes $WORK/squid/hosts and $WORK/squid.conf for Squid with the proxy's allowlist
# (CONNECT to bench.example.org on $ORIGIN_PORT from loopback), no cache, its logs in $WORK/squid; LISTEN_LINES are
# its http_port / https_port lines. Needs WORK, ORIGIN_IP and ORIGIN_PORT.
bench_squid_setup() {
    mkdir -p "$WORK/squid"
    chown proxy:proxy "$WORK/squid" 2>/dev/null || chmod 777 "$WORK/squid"
    # Squid resolves bench.example.org from this file, as this proxy does from resolver.hosts: neither asks DNS.
    # Squid also looks up the name of every client address (its fqdncache); with no DNS server on this machine
    # those queries would pile up unanswered (30 s timeout each) and slow Squid down, so the file answers them
    # too, as a fast local DNS would.
    {
        echo "127.0.0.1 localhost"
        echo "$ORIGIN_IP bench.example.org"
        for i in $(seq 1 254); do echo "127.0.1.$i bench-client-$i"; done
    } > "$WORK/squid/hosts"
    cat > "$WORK/squid.conf" <<SQUID
$1
workers 1
max_filedescriptors 20000
pid_filename $WORK/squid/squid.pid
cache_log $WORK/squid/cache.log
access_log stdio:$WORK/squid/access.log
coredump_dir $WORK/squid
cache deny all
cache_mem 0 MB
hosts_file $WORK/squid/hosts
dns_nameservers 127.0.0.1
pinger_enable off
shutdown_lifetime 1 seconds
acl bench_dst dstdomain bench.example.org
acl bench_port port $ORIGIN_PORT
acl bench_src src 127.0.0.0/8
acl CONNECT method CONNECT
http_access allow CONNECT bench_dst bench_port bench_src
http_access deny all
SQUID
}

# bench_stop_pids: stops every process in PIDS: TERM, up to 3 s to go, then KILL; for the scripts' EXIT traps.
bench_stop_pids() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
}
