#!/bin/bash
# Builds docker/Dockerfile and runs the image on a machine that cannot reach Docker Hub: a private dockerd
# (vfs, no bridge, no iptables) and Debian bookworm stand-ins for the two base images, made with debootstrap
# from Debian's mirror. Not part of CI; it documents how README "What was validated here" was reproduced.
# Run as root from anywhere: docker/trial-build.sh. Needs debootstrap, dockerd and docker (Debian: docker.io),
# curl, python3, and Maven Central reachable from the build. Uses about 6 GB under $TRIAL_DIR (vfs copies
# every layer in full) and removes it at the end (KEEP=1 keeps the daemon and its images).
# Ports 3128 and 9090 of the host must be free: the container uses host networking.
set -euo pipefail
cd "$(dirname "$0")/.."
T=${TRIAL_DIR:-/tmp/dki}
D="docker -H unix://$T/docker.sock"
MIRROR=${MIRROR:-http://deb.debian.org/debian}

cleanup() {
    [[ ${KEEP:-0} == 1 ]] && return
    $D rm -f aep >/dev/null 2>&1 || true
    [[ -f $T/hold.pid ]] && kill "$(cat "$T/hold.pid")" 2>/dev/null || true
    if [[ -f $T/docker.pid ]]; then
        pid=$(cat "$T/docker.pid"); kill "$pid" 2>/dev/null || true
        while kill -0 "$pid" 2>/dev/null; do sleep 1; done
    fi
    grep -o " $T/[^ ]*" /proc/mounts | sort -r | xargs -r umount 2>/dev/null || true
    rm -rf --one-file-system "$T"
}
trap cleanup EXIT
# A check is a pipeline whose last command decides (curl exits 56 on a refused CONNECT): no pipefail there.
check() { if (set +o pipefail; eval "$2"); then echo "OK   $1"; else echo "FAIL $1"; exit 1; fi; }

# 1. A private daemon.
mkdir -p "$T/standin"
echo '{}' > "$T/daemon.json"
dockerd --storage-driver=vfs --bridge=none --iptables=false --ip6tables=false --data-root "$T/data" \
    --exec-root "$T/x" --host "unix://$T/docker.sock" --pidfile "$T/docker.pid" \
    --config-file "$T/daemon.json" > "$T/dockerd.log" 2>&1 &
for _ in $(seq 30); do $D version >/dev/null 2>&1 && break; sleep 1; done

# 2. Stand-in base images: Debian's OpenJDK 17 where the real ones have Temurin 17. java is linked at
# Temurin's /opt/java/openjdk and that is first on PATH, as in eclipse-temurin.
debootstrap --variant=minbase bookworm "$T/rootfs" "$MIRROR" > "$T/debootstrap.log"
rm -f "$T"/rootfs/var/cache/apt/archives/*.deb
tar -C "$T/rootfs" -c . | $D import - local/bookworm-minbase:trial
rm -rf --one-file-system "$T/rootfs"
for kind in jre jdk; do
    pkgs=openjdk-17-jre-headless; [[ $kind == jdk ]] && pkgs="openjdk-17-jdk-headless maven"
    cat > "$T/standin/$kind.Dockerfile" <<EOF
FROM local/bookworm-minbase:trial
RUN apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $pkgs \\
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \\
 && mkdir -p /opt/java && ln -s /usr/lib/jvm/java-17-openjdk-amd64 /opt/java/openjdk
ENV JAVA_HOME=/opt/java/openjdk PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
EOF
done
# Where Maven Central is reached through a TLS-intercepting egress proxy, the build stand-in trusts the
# host's extra CAs (the ca-certificates-java hook puts them into Java's cacerts). The runtime image needs none.
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$T/standin/"
    printf 'COPY *.crt /usr/local/share/ca-certificates/\nRUN update-ca-certificates\n' >> "$T/standin/jdk.Dockerfile"
fi
$D build -q --network=host -f "$T/standin/jre.Dockerfile" -t local/jre17-standin:trial "$T/standin"
$D build -q --network=host -f "$T/standin/jdk.Dockerfile" -t local/maven17-standin:trial "$T/standin"

# 3. The image, exactly as documented, with the stand-ins as build arguments.
$D build --network=host -f docker/Dockerfile --build-arg BUILD_IMAGE=local/maven17-standin:trial \
    --build-arg RUNTIME_IMAGE=local/jre17-standin:trial -t acr-egress-proxy:trial . > "$T/build.log"
$D image prune -f >/dev/null

# 4. The container with its defaults.
$D run -d --network=host --name aep acr-egress-proxy:trial >/dev/null
for _ in $(seq 60); do [[ $($D inspect --format '{{.State.Health.Status}}' aep) == healthy ]] && break; sleep 1; done
check "health check (bash /dev/tcp) healthy" '[[ $($D inspect --format "{{.State.Health.Status}}" aep) == healthy ]]'
check "runs as UID 10001" '[[ $($D exec aep id -u) == 10001 ]]'
check "JAVA_OPTS on PID 1 (the JVM)" '$D exec aep cat /proc/1/cmdline | tr "\0" " " | grep -q "^java -Xms256m -Xmx256m -XX:+UseG1GC -XX:MaxDirectMemorySize=256m -Dio.netty.allocator.lowMemory=false -XX:+ExitOnOutOfMemoryError -jar "'
check "heap max 256 MiB" 'curl -s 127.0.0.1:9090/metrics | grep -q "^jvm_gc_max_data_size_bytes 2.68435456E8"'
check "403 with the reason phrase" 'curl -s -x http://127.0.0.1:3128 https://evilreg.azurecr.io/v2/ -v 2>&1 | grep -q "^< HTTP/1.1 403 Forbidden by egress policy: evilreg.azurecr.io is not an allowed registry endpoint"'
check "SIGHUP reloads" '$D kill -s HUP aep >/dev/null; sleep 2; $D logs aep 2>&1 | grep -q "SIGHUP: configuration reloaded"'
$D stop -t 40 aep >/dev/null
check "docker stop: the JVM exits 143" '[[ $($D inspect --format "{{.State.ExitCode}}" aep) == 143 ]]'
$D rm aep >/dev/null

# 5. Compose's settings (docker/compose.yaml: config directory, read-only root, exec tmpfs, no capabilities),
# a registry allowed by a live config edit, and one open tunnel held by a listener on the host's own address
# (a name under azurecr.io pointed at it), which `docker stop` drains for timeouts.drain (30 s).
mkdir -p "$T/cfg" && cp docker/config/acr-egress-proxy.yaml "$T/cfg/" && chmod 644 "$T/cfg/acr-egress-proxy.yaml"
HOST_IP=$(ip -4 -o addr show scope global | awk '{sub("/.*", "", $4); print $4; exit}')
nofile=$(ulimit -Hn); [[ $nofile == unlimited || $nofile -gt 65536 ]] && nofile=65536
$D run -d --network=host --name aep --read-only --tmpfs /tmp:exec,mode=1777,size=64m --cap-drop ALL \
    --security-opt no-new-privileges:true --ulimit "nofile=$nofile:$nofile" --add-host "myreg.azurecr.io:$HOST_IP" \
    -v "$T/cfg:/etc/acr-egress-proxy:ro" acr-egress-proxy:trial >/dev/null
sleep 8
check "epoll transport on the exec tmpfs" '$D logs aep 2>&1 | grep -q "with transport epoll"'
check "root file system read-only" '! $D exec aep touch /x 2>/dev/null'
sed -i 's/^registries: \[\]$/registries: [{name: myreg}]/' "$T/cfg/acr-egress-proxy.yaml"
sleep 5
check "config edit reloads" '$D logs aep 2>&1 | grep -q "reloaded after a file change"'
python3 -c '
import socket, sys, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((sys.argv[1], 443)); s.listen(8)
def hold(c):
    while c.recv(65536): pass
while True: threading.Thread(target=hold, args=(s.accept()[0],), daemon=True).start()
' "$HOST_IP" & echo $! > "$T/hold.pid"
sleep 1
(curl -s -x http://127.0.0.1:3128 https://myreg.azurecr.io/v2/ --max-time 60 >/dev/null 2>&1 || true) &
sleep 2
check "one tunnel open" 'curl -s 127.0.0.1:9090/metrics | grep -q "^acrproxy_tunnels_active 1.0"'
start=$(date +%s); $D stop -t 40 aep >/dev/null; took=$(( $(date +%s) - start ))
check "docker stop -t 40 waits for the drain ($took s) and exits 143" '[[ $took -ge 29 && $took -le 35 && $($D inspect --format "{{.State.ExitCode}}" aep) == 143 ]]'
kill "$(cat "$T/hold.pid")"; rm -f "$T/hold.pid"
echo "all checks passed"
