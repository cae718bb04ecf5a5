/*
 * tlsbench: the TLS port's benchmarks (bench/tls-run.sh): tunnels set up through a proxy's plain port or its TLS
 * port (HTTPS_PROXY=https://...), and one bulk download through either, against tunnelbench's origin.
 *
 *   setup  closed loop: --workers threads, each: connect, [TLS handshake with the proxy], CONNECT, 2xx, the
 *          ClientHello record (--hello FILE, from `tunnelbench hello`) and 'P', read 'P', close. Every handshake is a
 *          full one (no session resumption), as Go's net/http does by default. Reports tunnels/s and the proxy's CPU
 *          per tunnel (from /proc/PID/stat).
 *   bulk   one tunnel; the origin sends --bytes ('D' + count); reports MiB/s and the proxy's CPU per GiB.
 *
 * Options: --proxy IP:PORT, --tls (speak TLS to the proxy), --ca FILE (the proxy's CA), --connect HOST:PORT (the
 * CONNECT target), --hello FILE, --workers N, --secs S, --bytes N, --pid N (the proxy), --label TEXT.
 * Output: one line "RESULT key=value ...". Blocking sockets and one thread per worker: simple, and the client's own
 * TLS cost is reported (client_cpu) since it shares the machine with the proxy.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *proxy_addr, *ca_file, *connect_target = "bench.example.org:443", *hello_file, *label = "";
static int use_tls, workers = 32, pid;
static double secs = 5;
static unsigned long long bulk_bytes = 1ULL << 30;
static unsigned char hello[4096];
static size_t hello_len;
static SSL_CTX *ctx;
static struct sockaddr_in proxy_sa;
static atomic_long done, failed;
static double deadline;

static void die(const char *m) { fprintf(stderr, "tlsbench: %s\n", m); exit(1); }

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double proc_cpu_s(int p) {
    if (p <= 0) return 0;
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", p);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *s = strrchr(buf, ')');
    unsigned long long ut = 0, st = 0;
    /* after ")": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
    if (!s || sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2) return 0;
    return (double)(ut + st) / sysconf(_SC_CLK_TCK);
}

static double self_cpu_s(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* One connection to the proxy, plain or TLS. */
struct conn { int fd; SSL *ssl; };

static int c_write(struct conn *c, const void *b, size_t n) {
    const unsigned char *p = b;
    while (n > 0) {
        int w = c->ssl ? SSL_write(c->ssl, p, (int)n) : (int)send(c->fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int c_read(struct conn *c, void *b, size_t n) {
    return c->ssl ? SSL_read(c->ssl, b, (int)n) : (int)recv(c->fd, b, n, 0);
}

static void c_close(struct conn *c) {
    if (c->ssl) {
        SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
    }
    close(c->fd);
}

/* Connects, handshakes, sends CONNECT and reads the response head: 0 on a 2xx. */
static int c_open(struct conn *c) {
    c->ssl = NULL;
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0) return -1;
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct timeval tv = {10, 0};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(c->fd, (struct sockaddr *)&proxy_sa, sizeof proxy_sa) < 0) { close(c->fd); return -1; }
    if (use_tls) {
        c->ssl = SSL_new(ctx);
        SSL_set_fd(c->ssl, c->fd);
        if (SSL_connect(c->ssl) != 1) { c_close(c); return -1; }
    }
    char req[512];
    int n = snprintf(req, sizeof req, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", connect_target, connect_target);
    if (c_write(c, req, (size_t)n) < 0) { c_close(c); return -1; }
    char head[2048];
    size_t got = 0;
    while (got < sizeof head - 1) {
        int r = c_read(c, head + got, 1);
        if (r <= 0) { c_close(c); return -1; }
        got++;
        if (got >= 4 && memcmp(head + got - 4, "\r\n\r\n", 4) == 0) break;
    }
    head[got] = 0;
    if (strncmp(head, "HTTP/1.1 2", 10) != 0 && strncmp(head, "HTTP/1.0 2", 10) != 0) { c_close(c); return -1; }
    return 0;
}

static void *setup_worker(void *arg) {
    (void)arg;
    while (now_s() < deadline) {
        struct conn c;
        if (c_open(&c) < 0) { atomic_fetch_add(&failed, 1); continue; }
        unsigned char p = 'P', back = 0;
        if (c_write(&c, hello, hello_len) < 0 || c_write(&c, &p, 1) < 0 || c_read(&c, &back, 1) != 1 || back != 'P') {
            atomic_fetch_add(&failed, 1);
        } else {
            atomic_fetch_add(&done, 1);
        }
        c_close(&c);
    }
    return NULL;
}

static void cmd_setup(void) {
    pthread_t t[1024];
    if (workers < 1 || workers > 1024) die("--workers: 1 to 1024");
    double c0 = proc_cpu_s(pid), s0 = self_cpu_s(), t0 = now_s();
    deadline = t0 + secs;
    for (int i = 0; i < workers; i++) pthread_create(&t[i], NULL, setup_worker, NULL);
    for (int i = 0; i < workers; i++) pthread_join(t[i], NULL);
    double elapsed = now_s() - t0, cpu = proc_cpu_s(pid) - c0, client = self_cpu_s() - s0;
    long n = atomic_load(&done);
    printf("RESULT scenario=setup label=%s tls=%d tunnels=%ld failed=%ld secs=%.2f tunnels_per_s=%.0f "
           "proxy_cpu_ms_per_tunnel=%.3f proxy_cpu_cores=%.2f client_cpu_cores=%.2f\n",
           label, use_tls, n, atomic_load(&failed), elapsed, n / elapsed, n ? cpu * 1000 / n : 0, cpu / elapsed,
           client / elapsed);
}

static void cmd_bulk(void) {
    struct conn c;
    if (c_open(&c) < 0) die("the tunnel did not open");
    unsigned char cmd[9] = {'D'};
    for (int i = 0; i < 8; i++) cmd[1 + i] = (unsigned char)(bulk_bytes >> (8 * i));
    double c0 = proc_cpu_s(pid), s0 = self_cpu_s(), t0 = now_s();
    if (c_write(&c, hello, hello_len) < 0 || c_write(&c, cmd, sizeof cmd) < 0) die("write failed");
    static unsigned char buf[1 << 16];
    unsigned long long got = 0;
    while (got < bulk_bytes) {
        int r = c_read(&c, buf, sizeof buf);
        if (r <= 0) break;
        got += (unsigned long long)r;
    }
    double elapsed = now_s() - t0, cpu = proc_cpu_s(pid) - c0, client = self_cpu_s() - s0;
    c_close(&c);
    if (got < bulk_bytes) die("the stream ended early");
    double gib = bulk_bytes / (1024.0 * 1024 * 1024);
    printf("RESULT scenario=bulk label=%s tls=%d bytes=%llu secs=%.2f mib_per_s=%.0f proxy_cpu_s_per_gib=%.3f "
           "client_cpu_s_per_gib=%.3f\n", label, use_tls, got, elapsed, got / elapsed / 1048576, cpu / gib, client / gib);
}

int main(int argc, char **argv) {
    if (argc < 2) die("usage: tlsbench setup|bulk [options]");
    const char *cmd = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *k = argv[i];
        if (!strcmp(k, "--tls")) { use_tls = 1; continue; }
        if (i + 1 >= argc) die("an option needs a value");
        const char *v = argv[++i];
        if (!strcmp(k, "--proxy")) proxy_addr = v;
        else if (!strcmp(k, "--ca")) ca_file = v;
        else if (!strcmp(k, "--connect")) connect_target = v;
        else if (!strcmp(k, "--hello")) hello_file = v;
        else if (!strcmp(k, "--workers")) workers = atoi(v);
        else if (!strcmp(k, "--secs")) secs = atof(v);
        else if (!strcmp(k, "--bytes")) bulk_bytes = strtoull(v, NULL, 10);
        else if (!strcmp(k, "--pid")) pid = atoi(v);
        else if (!strcmp(k, "--label")) label = v;
        else die("unknown option");
    }
    if (!proxy_addr || !hello_file) die("--proxy and --hello are required");
    char host[64];
    int port;
    if (sscanf(proxy_addr, "%63[^:]:%d", host, &port) != 2) die("--proxy IP:PORT");
    proxy_sa.sin_family = AF_INET;
    proxy_sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &proxy_sa.sin_addr) != 1) die("--proxy IP:PORT");
    FILE *f = fopen(hello_file, "rb");
    if (!f) die("cannot read --hello");
    hello_len = fread(hello, 1, sizeof hello, f);
    fclose(f);
    if (use_tls) {
        ctx = SSL_CTX_new(TLS_client_method());
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
        if (ca_file && SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1) die("cannot load --ca");
        SSL_CTX_set_verify(ctx, ca_file ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
    }
    if (!strcmp(cmd, "setup")) cmd_setup();
    else if (!strcmp(cmd, "bulk")) cmd_bulk();
    else die("setup or bulk");
    return 0;
}
