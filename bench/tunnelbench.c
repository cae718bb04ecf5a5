/*
 * tunnelbench: load generator and origin for the tunnel benchmarks in bench/run.sh.
 *
 * One binary, several sub-commands:
 *
 *   origin   --listen IP:PORT [--port-file F]
 *            An epoll, single-threaded origin. Every connection first sends one TLS record (the ClientHello):
 *            the origin reads its 5-byte header and discards the record. Then it reads one-byte commands:
 *              'P'        answers 'P' (the "1-byte echo"); the next command follows
 *              'E'        echoes every later byte (ping-pong)
 *              'U' + u64  sinks that many bytes (recv with MSG_TRUNC: no copy), then answers the count as
 *                         8 bytes little-endian (no half-close needed: Squid ends a tunnel at the first FIN)
 *              'D' + u64  sends that many bytes (little-endian count), shuts down its output, then waits for EOF
 *            EOF in any other state closes the connection.
 *
 *   bulk     one or more tunnels; each moves --bytes/--conns bytes up or down; throughput and CPU
 *   setup    closed loop: --workers tunnels in flight, each CONNECT, 2xx, ClientHello + 'P', read 'P', close
 *   paced    open loop at --rate tunnels/s: latency to the 2xx and to the echoed byte
 *   pingpong one tunnel, --size bytes echoed --count times: round-trip latency
 *   idle     opens --count tunnels (ClientHello and a 1-byte echo each), holds them, closes them; the
 *            proxy's RSS before, while held and after (from /proc/PID/status)
 *   relay    --listen IP:PORT --mode copy|splice: a minimal C CONNECT relay to --target, for scale (see cmd_relay)
 *   hello    writes the ClientHello record to stdout
 *   freeport prints a free TCP port on --ip
 *   waitport waits until IP:PORT accepts connections
 *
 * Common options: --target IP:PORT (the origin), --proxy IP:PORT (none = direct), --host NAME (SNI and the
 * CONNECT host), --pid N (proxy process: CPU from /proc/N/stat, RSS from /proc/N/status), --origin-pid N.
 * Results are one line on stdout: "RESULT key=value ...". Diagnostics go to stderr.
 *
 * The load generator is one thread. Bulk transfers discard received data with MSG_TRUNC, so that the load
 * generator copies as little as a TCP endpoint can; what it spends is reported (client_cpu, origin_cpu).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <dirent.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define BUF_SIZE (1 << 20)
#define MAX_EVENTS 256

static unsigned char *data_buf;   /* what uploads and downloads send */
static unsigned char scratch[65536];
static unsigned char hello[1024];
static size_t hello_len;

/* ------------------------------------------------------------------ helpers */

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "tunnelbench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(2);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double self_cpu_s(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6
         + (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* utime + stime of a process (all its threads), in seconds; -1 when pid is 0 or unreadable. */
static double proc_cpu_s(int pid) {
    if (pid <= 0) return -1;
    char path[64], line[4096];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = 0;
    char *p = strrchr(line, ')');
    if (!p) return -1;
    p += 2; /* field 3 */
    unsigned long long ut = 0, st = 0;
    int field = 3;
    char *save = NULL;
    for (char *tok = strtok_r(p, " ", &save); tok; tok = strtok_r(NULL, " ", &save), field++) {
        if (field == 14) ut = strtoull(tok, NULL, 10);
        if (field == 15) { st = strtoull(tok, NULL, 10); break; }
    }
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* VmRSS in KiB, -1 when unknown. */
static long proc_rss_kib(int pid) {
    if (pid <= 0) return -1;
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    long kib = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmRSS:", 6) == 0) { kib = strtol(line + 6, NULL, 10); break; }
    }
    fclose(f);
    return kib;
}

static long proc_fd_count(int pid) {
    if (pid <= 0) return -1;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", pid);
    DIR *d = opendir(path);
    if (!d) return -1;
    long n = 0;
    struct dirent *e;
    while ((e = readdir(d))) if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

static void parse_addr(const char *s, struct sockaddr_in *sa) {
    char host[64];
    const char *colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof host) die("bad address %s (expected IP:PORT)", s);
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = 0;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)atoi(colon + 1));
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) die("bad IPv4 address %s", host);
    /* Traffic stays on loopback (the benchmark's rule). */
    if ((ntohl(sa->sin_addr.s_addr) >> 24) != 127) die("%s is not a loopback address (127.0.0.0/8)", s);
}

static void set_nonblock(int fd, int on) {
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK));
}

/*
 * With --src-ips N, client sockets take their source address in turn from 127.0.1.1 .. 127.0.1.N (the port
 * is still picked at connect time), so that many short connections do not exhaust one address's ephemeral
 * ports with TIME_WAIT sockets. The 2xx and the tunnel are the same; a fleet connects from many addresses too.
 */
static void bind_source(int fd, int src_ips) {
    static unsigned next;
    if (src_ips <= 0) return;
#ifdef IP_BIND_ADDRESS_NO_PORT
    int one = 1;
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
#endif
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(0x7f000100u + 1 + (next++ % (unsigned)src_ips));
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa)) die("bind source address: %s", strerror(errno));
}

/* Busy and total jiffies of the whole machine, from /proc/stat. */
static void sys_jiffies(unsigned long long *busy, unsigned long long *total) {
    unsigned long long v[10] = {0};
    *busy = *total = 0;
    FILE *f = fopen("/proc/stat", "r");
    if (!f) return;
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                   &v[6], &v[7], &v[8], &v[9]);
    fclose(f);
    if (n < 8) return;
    for (int i = 0; i < 8; i++) *total += v[i];   /* guest time is already in user */
    *busy = *total - v[3] - v[4];
}

static double sys_busy_cores(unsigned long long b0, unsigned long long t0, unsigned long long b1, unsigned long long t1) {
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    return t1 > t0 ? (double)(b1 - b0) / (double)(t1 - t0) * (double)ncpu : -1;
}

static void set_nodelay(int fd) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void fill_data(void) {
    data_buf = malloc(BUF_SIZE);
    if (!data_buf) die("out of memory");
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < BUF_SIZE; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        data_buf[i] = (unsigned char)x;
    }
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double percentile(double *v, size_t n, double p) {
    if (n == 0) return -1;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i];
}

/* ------------------------------------------------------------------ ClientHello */

static size_t put16(unsigned char *p, size_t at, unsigned v) { p[at] = (unsigned char)(v >> 8); p[at + 1] = (unsigned char)v; return at + 2; }

/*
 * A TLS 1.3-style ClientHello as a modern client sends it: record 16 03 01, handshake type 1, legacy_version
 * 03 03, 32 random bytes, a 32-byte session id, 9 cipher suites, null compression, and the extensions
 * server_name (one host_name), ec_point_formats, supported_groups, session_ticket, ALPN (h2, http/1.1),
 * encrypt_then_mac, extended_master_secret, signature_algorithms, supported_versions, psk_key_exchange_modes
 * and key_share (x25519).
 */
static void build_hello(const char *host) {
    size_t hl = strlen(host);
    if (hl == 0 || hl > 253) die("bad --host");
    unsigned char *p = hello;
    size_t at = 0;
    p[at++] = 0x16; p[at++] = 0x03; p[at++] = 0x01;
    size_t rec_len_at = at; at += 2;
    p[at++] = 0x01;
    size_t hs_len_at = at; at += 3;
    p[at++] = 0x03; p[at++] = 0x03;
    for (int i = 0; i < 32; i++) p[at++] = (unsigned char)(0x5a ^ (i * 37));          /* random */
    p[at++] = 32;
    for (int i = 0; i < 32; i++) p[at++] = (unsigned char)(0xa5 ^ (i * 11));          /* session id */
    static const unsigned suites[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8};
    at = put16(p, at, (unsigned)(2 * (sizeof suites / sizeof suites[0])));
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) at = put16(p, at, suites[i]);
    p[at++] = 1; p[at++] = 0;                                                         /* compression: null */
    size_t ext_len_at = at; at += 2;
    /* server_name */
    at = put16(p, at, 0x0000); at = put16(p, at, (unsigned)(hl + 5)); at = put16(p, at, (unsigned)(hl + 3));
    p[at++] = 0; at = put16(p, at, (unsigned)hl); memcpy(p + at, host, hl); at += hl;
    /* ec_point_formats */
    at = put16(p, at, 0x000b); at = put16(p, at, 2); p[at++] = 1; p[at++] = 0;
    /* supported_groups: x25519, secp256r1, secp384r1 */
    at = put16(p, at, 0x000a); at = put16(p, at, 8); at = put16(p, at, 6);
    at = put16(p, at, 0x001d); at = put16(p, at, 0x0017); at = put16(p, at, 0x0018);
    /* session_ticket */
    at = put16(p, at, 0x0023); at = put16(p, at, 0);
    /* ALPN */
    at = put16(p, at, 0x0010); at = put16(p, at, 14); at = put16(p, at, 12);
    p[at++] = 2; memcpy(p + at, "h2", 2); at += 2; p[at++] = 8; memcpy(p + at, "http/1.1", 8); at += 8;
    /* encrypt_then_mac, extended_master_secret */
    at = put16(p, at, 0x0016); at = put16(p, at, 0);
    at = put16(p, at, 0x0017); at = put16(p, at, 0);
    /* signature_algorithms */
    static const unsigned sigs[] = {0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601};
    size_t ns = sizeof sigs / sizeof sigs[0];
    at = put16(p, at, 0x000d); at = put16(p, at, (unsigned)(2 * ns + 2)); at = put16(p, at, (unsigned)(2 * ns));
    for (size_t i = 0; i < ns; i++) at = put16(p, at, sigs[i]);
    /* supported_versions: TLS 1.3, TLS 1.2 */
    at = put16(p, at, 0x002b); at = put16(p, at, 5); p[at++] = 4; at = put16(p, at, 0x0304); at = put16(p, at, 0x0303);
    /* psk_key_exchange_modes: psk_dhe_ke */
    at = put16(p, at, 0x002d); at = put16(p, at, 2); p[at++] = 1; p[at++] = 1;
    /* key_share: x25519, 32 bytes (any 32 bytes are a valid x25519 public value) */
    at = put16(p, at, 0x0033); at = put16(p, at, 38); at = put16(p, at, 36);
    at = put16(p, at, 0x001d); at = put16(p, at, 32);
    for (int i = 0; i < 32; i++) p[at++] = (unsigned char)(0x3c ^ (i * 29));
    put16(p, ext_len_at, (unsigned)(at - ext_len_at - 2));
    size_t hs_len = at - hs_len_at - 3;
    p[hs_len_at] = (unsigned char)(hs_len >> 16); p[hs_len_at + 1] = (unsigned char)(hs_len >> 8); p[hs_len_at + 2] = (unsigned char)hs_len;
    put16(p, rec_len_at, (unsigned)(at - 5));
    hello_len = at;
}

/* ------------------------------------------------------------------ options */

struct opts {
    const char *listen, *port_file, *target, *proxy, *host, *dir, *peak_cmd, *ip, *label, *mode;
    struct sockaddr_in target_sa, proxy_sa;
    int use_proxy;
    int pid, origin_pid;
    uint64_t bytes;
    int conns, workers, count, size, concurrency, rate, src_ips;
    double duration, settle, timeout;
};

static void parse_opts(struct opts *o, int argc, char **argv) {
    memset(o, 0, sizeof *o);
    o->host = "bench.example.org";
    o->dir = "up";
    o->bytes = 1ull << 31;
    o->conns = 1; o->workers = 32; o->count = 9000; o->size = 64; o->concurrency = 64; o->rate = 500;
    o->duration = 5; o->settle = 3; o->timeout = 60;
    o->ip = "127.0.0.1";
    o->label = "-";
    for (int i = 0; i < argc; i++) {
        const char *k = argv[i];
        if (i + 1 >= argc) die("option %s needs a value", k);
        const char *v = argv[++i];
        if (!strcmp(k, "--listen")) o->listen = v;
        else if (!strcmp(k, "--port-file")) o->port_file = v;
        else if (!strcmp(k, "--target")) o->target = v;
        else if (!strcmp(k, "--proxy")) o->proxy = strcmp(v, "none") ? v : NULL;
        else if (!strcmp(k, "--host")) o->host = v;
        else if (!strcmp(k, "--dir")) o->dir = v;
        else if (!strcmp(k, "--mode")) o->mode = v;
        else if (!strcmp(k, "--peak-cmd")) o->peak_cmd = v;
        else if (!strcmp(k, "--ip")) o->ip = v;
        else if (!strcmp(k, "--label")) o->label = v;
        else if (!strcmp(k, "--pid")) o->pid = atoi(v);
        else if (!strcmp(k, "--origin-pid")) o->origin_pid = atoi(v);
        else if (!strcmp(k, "--bytes")) o->bytes = strtoull(v, NULL, 10);
        else if (!strcmp(k, "--conns")) o->conns = atoi(v);
        else if (!strcmp(k, "--workers")) o->workers = atoi(v);
        else if (!strcmp(k, "--count")) o->count = atoi(v);
        else if (!strcmp(k, "--size")) o->size = atoi(v);
        else if (!strcmp(k, "--concurrency")) o->concurrency = atoi(v);
        else if (!strcmp(k, "--rate")) o->rate = atoi(v);
        else if (!strcmp(k, "--src-ips")) o->src_ips = atoi(v);
        else if (!strcmp(k, "--duration")) o->duration = atof(v);
        else if (!strcmp(k, "--settle")) o->settle = atof(v);
        else if (!strcmp(k, "--timeout")) o->timeout = atof(v);
        else die("unknown option %s", k);
    }
    if (o->target) parse_addr(o->target, &o->target_sa);
    if (o->proxy) { parse_addr(o->proxy, &o->proxy_sa); o->use_proxy = 1; }
    if (o->conns < 1 || o->workers < 1 || o->count < 1 || o->concurrency < 1 || o->rate < 1) die("counts must be positive");
    if (o->size < 1 || o->size > (int)sizeof scratch) die("--size out of range");
    if (o->src_ips < 0 || o->src_ips > 254) die("--src-ips: 0..254");
}

/* ------------------------------------------------------------------ origin */

enum { O_HDR, O_SKIP, O_CMD, O_DCOUNT, O_ECHO, O_SINK, O_SOURCE, O_DRAIN };

struct oconn {
    int fd, state;
    unsigned char hdr[8], cnt[8];
    int hdrlen;
    uint64_t skip, count, remain;
    unsigned char *out;     /* pending output (echo), lazily allocated */
    size_t outlen, outcap;
    int want_out;
};

static int o_ep;
static volatile sig_atomic_t o_stop;

static void on_term(int sig) {
    (void)sig;
    o_stop = 1;
}

static void o_close(struct oconn *c) {
    close(c->fd);
    free(c->out);
    free(c);
}

static void o_update(struct oconn *c) {
    int want = (c->outlen > 0 || c->state == O_SOURCE);
    if (want == c->want_out) return;
    struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(o_ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->want_out = want;
}

static int o_queue(struct oconn *c, const unsigned char *b, size_t n) {
    if (c->outlen + n > c->outcap) {
        size_t cap = c->outcap ? c->outcap : 256;
        while (cap < c->outlen + n) cap *= 2;
        unsigned char *nb = realloc(c->out, cap);
        if (!nb) return -1;
        c->out = nb; c->outcap = cap;
    }
    memcpy(c->out + c->outlen, b, n);
    c->outlen += n;
    return 0;
}

/* Writes what is pending; -1 on a fatal error. */
static int o_flush(struct oconn *c) {
    while (c->outlen > 0) {
        ssize_t w = send(c->fd, c->out, c->outlen, MSG_NOSIGNAL);
        if (w < 0) return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
        memmove(c->out, c->out + w, c->outlen - (size_t)w);
        c->outlen -= (size_t)w;
    }
    if (c->state == O_SOURCE) {
        while (c->remain > 0) {
            size_t n = c->remain < BUF_SIZE ? (size_t)c->remain : BUF_SIZE;
            ssize_t w = send(c->fd, data_buf, n, MSG_NOSIGNAL);
            if (w < 0) return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
            c->remain -= (uint64_t)w;
        }
        shutdown(c->fd, SHUT_WR);
        c->state = O_DRAIN;
    }
    return 0;
}

/* In O_SINK: once the announced count has arrived, answers it and waits for the next command. */
static int o_sunk(struct oconn *c) {
    if (c->count < c->remain) return 0;
    if (c->count > c->remain) return -1;   /* the client sent more than it announced */
    unsigned char le[8];
    for (int k = 0; k < 8; k++) le[k] = (unsigned char)(c->count >> (8 * k));
    c->state = O_CMD;
    return o_queue(c, le, 8);
}

/* Consumes bytes read in the header/command states; -1 to close. */
static int o_consume(struct oconn *c, const unsigned char *b, size_t n) {
    size_t i = 0;
    while (i < n) {
        switch (c->state) {
        case O_HDR:
            c->hdr[c->hdrlen++] = b[i++];
            if (c->hdrlen == 5) {
                if (c->hdr[0] != 0x16) return -1;
                c->skip = ((uint64_t)c->hdr[3] << 8) | c->hdr[4];
                c->state = c->skip ? O_SKIP : O_CMD;
                c->hdrlen = 0;
            }
            break;
        case O_SKIP: {
            size_t k = n - i < c->skip ? n - i : (size_t)c->skip;
            i += k; c->skip -= k;
            if (c->skip == 0) c->state = O_CMD;
            break;
        }
        case O_CMD: {
            unsigned char cmd = b[i++];
            if (cmd == 'P') { if (o_queue(c, &cmd, 1)) return -1; }
            else if (cmd == 'E') c->state = O_ECHO;
            else if (cmd == 'U' || cmd == 'D') { c->state = O_DCOUNT; c->hdrlen = 0; c->hdr[7] = cmd; }
            else return -1;
            break;
        }
        case O_DCOUNT:
            c->cnt[c->hdrlen++] = b[i++];
            if (c->hdrlen == 8) {
                uint64_t v = 0;
                for (int k = 7; k >= 0; k--) v = (v << 8) | c->cnt[k];
                c->remain = v;
                c->count = 0;
                c->state = c->hdr[7] == 'U' ? O_SINK : O_SOURCE;
                if (c->state == O_SINK && o_sunk(c)) return -1;
            }
            break;
        case O_ECHO:
            if (o_queue(c, b + i, n - i)) return -1;
            i = n;
            break;
        case O_SINK: {
            uint64_t k = n - i < c->remain - c->count ? n - i : c->remain - c->count;
            c->count += k;
            i += k;
            if (o_sunk(c)) return -1;
            break;
        }
        default: /* O_SOURCE, O_DRAIN: the client sends nothing more that matters */
            i = n;
            break;
        }
    }
    return 0;
}

static void o_readable(struct oconn *c) {
    for (;;) {
        ssize_t r;
        if (c->state == O_SINK) {
            /* Discarded in the kernel, no copy; never past the announced count. */
            uint64_t want = c->remain - c->count;
            r = recv(c->fd, NULL, want < BUF_SIZE ? (size_t)want : BUF_SIZE, MSG_TRUNC);
            if (r > 0) {
                c->count += (uint64_t)r;
                if (o_sunk(c) || o_flush(c)) { o_close(c); return; }
                continue;
            }
        } else if (c->state == O_DRAIN || c->state == O_SOURCE) {
            r = recv(c->fd, NULL, BUF_SIZE, MSG_TRUNC);
            if (r > 0) continue;
        } else {
            if (c->state == O_ECHO && c->outlen > (1 << 20)) return;   /* let the peer read first */
            r = recv(c->fd, scratch, sizeof scratch, 0);
            if (r > 0) {
                if (o_consume(c, scratch, (size_t)r) || o_flush(c)) { o_close(c); return; }
                continue;
            }
        }
        if (r == 0) {
            o_close(c);
            return;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN) { o_update(c); return; }
        o_close(c);
        return;
    }
}

static int cmd_origin(struct opts *o) {
    if (!o->listen) die("origin needs --listen IP:PORT");
    struct sockaddr_in sa;
    parse_addr(o->listen, &sa);
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(ls, (struct sockaddr *)&sa, sizeof sa)) die("bind %s: %s", o->listen, strerror(errno));
    if (listen(ls, 4096)) die("listen: %s", strerror(errno));
    socklen_t sl = sizeof sa;
    getsockname(ls, (struct sockaddr *)&sa, &sl);
    if (o->port_file) {
        FILE *f = fopen(o->port_file, "w");
        if (!f) die("%s: %s", o->port_file, strerror(errno));
        fprintf(f, "%d\n", ntohs(sa.sin_port));
        fclose(f);
    }
    fprintf(stderr, "origin listening on %s:%d\n", inet_ntoa(sa.sin_addr), ntohs(sa.sin_port));
    signal(SIGPIPE, SIG_IGN);
    o_ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(o_ep, EPOLL_CTL_ADD, ls, &ev);
    struct epoll_event evs[MAX_EVENTS];
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    while (!o_stop) {
        int n = epoll_wait(o_ep, evs, MAX_EVENTS, -1);
        if (n < 0) { if (errno == EINTR) continue; die("epoll_wait: %s", strerror(errno)); }
        for (int i = 0; i < n; i++) {
            struct oconn *c = evs[i].data.ptr;
            if (!c) {
                for (;;) {
                    int fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK);
                    if (fd < 0) {
                        if (errno == EAGAIN || errno == EINTR) break;
                        if (errno == EMFILE || errno == ENFILE) { fprintf(stderr, "origin: out of file descriptors\n"); break; }
                        break;
                    }
                    set_nodelay(fd);
                    struct oconn *nc = calloc(1, sizeof *nc);
                    nc->fd = fd;
                    nc->state = O_HDR;
                    struct epoll_event e2 = {.events = EPOLLIN, .data.ptr = nc};
                    epoll_ctl(o_ep, EPOLL_CTL_ADD, fd, &e2);
                }
                continue;
            }
            if (evs[i].events & EPOLLOUT) {
                if (o_flush(c)) { o_close(c); continue; }
                o_update(c);
            }
            if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) o_readable(c);
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ blocking tunnel set-up */

static void set_timeouts(int fd, double secs) {
    struct timeval tv = {.tv_sec = (time_t)secs, .tv_usec = (suseconds_t)((secs - (double)(time_t)secs) * 1e6)};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static int send_all(int fd, const void *b, size_t n) {
    const unsigned char *p = b;
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) { if (errno == EINTR) continue; return -1; }
        p += w; n -= (size_t)w;
    }
    return 0;
}

static int recv_all(int fd, void *b, size_t n) {
    unsigned char *p = b;
    while (n > 0) {
        ssize_t r = recv(fd, p, n, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        p += r; n -= (size_t)r;
    }
    return 0;
}

static int connect_request(const struct opts *o, char *buf, size_t cap) {
    int port = ntohs(o->target_sa.sin_port);
    return snprintf(buf, cap, "CONNECT %s:%d HTTP/1.1\r\nHost: %s:%d\r\n\r\n", o->host, port, o->host, port);
}

/* Checks a response head: "HTTP/1.x 2.." */
static int head_ok(const char *h) {
    return strncmp(h, "HTTP/1.", 7) == 0 && h[8] == ' ' && h[9] == '2';
}

/*
 * Opens one tunnel and exchanges the ClientHello + 'P' / 'P': blocking, for the single-connection scenarios.
 * Returns the socket, or -1 with a message.
 */
static int open_tunnel_blocking(const struct opts *o) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    set_nodelay(fd);
    set_timeouts(fd, 10);
    bind_source(fd, o->src_ips);
    const struct sockaddr_in *sa = o->use_proxy ? &o->proxy_sa : &o->target_sa;
    if (connect(fd, (const struct sockaddr *)sa, sizeof *sa)) { fprintf(stderr, "connect: %s\n", strerror(errno)); close(fd); return -1; }
    if (o->use_proxy) {
        char req[512];
        int n = connect_request(o, req, sizeof req);
        if (send_all(fd, req, (size_t)n)) { close(fd); return -1; }
        char head[4096];
        size_t hl = 0;
        for (;;) {
            ssize_t r = recv(fd, head + hl, sizeof head - 1 - hl, 0);
            if (r <= 0) { fprintf(stderr, "proxy closed before its answer\n"); close(fd); return -1; }
            hl += (size_t)r;
            head[hl] = 0;
            if (strstr(head, "\r\n\r\n")) break;
            if (hl >= sizeof head - 1) { close(fd); return -1; }
        }
        if (!head_ok(head)) { fprintf(stderr, "proxy refused: %.*s\n", (int)strcspn(head, "\r\n"), head); close(fd); return -1; }
        if (strlen(strstr(head, "\r\n\r\n")) != 4) { fprintf(stderr, "bytes after the proxy's answer\n"); close(fd); return -1; }
    }
    unsigned char msg[sizeof hello + 1];
    memcpy(msg, hello, hello_len);
    msg[hello_len] = 'P';
    if (send_all(fd, msg, hello_len + 1)) { close(fd); return -1; }
    unsigned char ack;
    if (recv_all(fd, &ack, 1) || ack != 'P') {
        fprintf(stderr, "no echo after the ClientHello (got %s 0x%02x): the proxy refused the hello?\n",
                "byte", ack);
        close(fd);
        return -1;
    }
    return fd;
}

/* ------------------------------------------------------------------ bulk */

struct bconn { int fd; uint64_t left, got; int phase; unsigned char cnt[8]; int cntlen; };

static int cmd_bulk(struct opts *o) {
    int up = !strcmp(o->dir, "up");
    if (!up && strcmp(o->dir, "down")) die("--dir up|down");
    int n = o->conns;
    uint64_t per = o->bytes / (uint64_t)n;
    struct bconn *cs = calloc((size_t)n, sizeof *cs);
    for (int i = 0; i < n; i++) {
        cs[i].fd = open_tunnel_blocking(o);
        if (cs[i].fd < 0) die("could not open tunnel %d", i);
        cs[i].left = per;
    }
    int ep = epoll_create1(0);
    unsigned long long sb0, st0, sb1, st1;
    sys_jiffies(&sb0, &st0);
    double c0 = self_cpu_s(), p0 = proc_cpu_s(o->pid), q0 = proc_cpu_s(o->origin_pid);
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        unsigned char cmd[9];
        cmd[0] = up ? 'U' : 'D';
        for (int k = 0; k < 8; k++) cmd[1 + k] = (unsigned char)(per >> (8 * k));
        if (send_all(cs[i].fd, cmd, sizeof cmd)) die("send command: %s", strerror(errno));
        set_nonblock(cs[i].fd, 1);
        struct epoll_event ev = {.events = up ? EPOLLOUT : EPOLLIN, .data.u32 = (uint32_t)i};
        epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
    }
    int done = 0, errors = 0;
    struct epoll_event evs[MAX_EVENTS];
    double deadline = t0 + o->timeout;
    while (done < n) {
        int k = epoll_wait(ep, evs, MAX_EVENTS, 1000);
        if (now_s() > deadline) { fprintf(stderr, "bulk: timed out after %.0f s\n", o->timeout); errors += n - done; break; }
        for (int e = 0; e < k; e++) {
            struct bconn *c = &cs[evs[e].data.u32];
            if (up && c->phase == 0) {
                while (c->left > 0) {
                    size_t m = c->left < BUF_SIZE ? (size_t)c->left : BUF_SIZE;
                    ssize_t w = send(c->fd, data_buf, m, MSG_NOSIGNAL);
                    if (w < 0) {
                        if (errno == EAGAIN || errno == EINTR) break;
                        fprintf(stderr, "bulk send: %s\n", strerror(errno)); errors++; done++; c->phase = 2;
                        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                        break;
                    }
                    c->left -= (uint64_t)w;
                }
                if (c->phase == 0 && c->left == 0) {
                    c->phase = 1;
                    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = evs[e].data.u32};
                    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
                }
            } else if (up && c->phase == 1) {
                ssize_t r = recv(c->fd, c->cnt + c->cntlen, (size_t)(8 - c->cntlen), 0);
                if (r > 0) c->cntlen += (int)r;
                if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR) || c->cntlen == 8) {
                    uint64_t v = 0;
                    for (int b = 7; b >= 0; b--) v = (v << 8) | c->cnt[b];
                    if (c->cntlen != 8 || v != per) { fprintf(stderr, "bulk: origin counted %" PRIu64 " of %" PRIu64 "\n", v, per); errors++; }
                    c->phase = 2; done++;
                    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                }
            } else if (!up && c->phase == 0) {
                for (;;) {
                    ssize_t r = recv(c->fd, NULL, BUF_SIZE, MSG_TRUNC);
                    if (r > 0) { c->got += (uint64_t)r; if (c->got < per) continue; }
                    if (r < 0 && (errno == EAGAIN || errno == EINTR)) break;
                    if (c->got != per) { fprintf(stderr, "bulk: received %" PRIu64 " of %" PRIu64 "\n", c->got, per); errors++; }
                    c->phase = 2; done++;
                    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                    break;
                }
            }
        }
    }
    double t1 = now_s();
    double c1 = self_cpu_s(), p1 = proc_cpu_s(o->pid), q1 = proc_cpu_s(o->origin_pid);
    sys_jiffies(&sb1, &st1);
    for (int i = 0; i < n; i++) close(cs[i].fd);
    double secs = t1 - t0, gib = (double)(per * (uint64_t)n) / (double)(1ull << 30);
    printf("RESULT label=%s mode=bulk dir=%s conns=%d bytes=%" PRIu64 " secs=%.4f mibps=%.1f proxy_cpu=%.3f proxy_cpu_per_gib=%.3f "
           "client_cpu=%.3f origin_cpu=%.3f sys_busy_cores=%.2f errors=%d\n",
           o->label, o->dir, n, per * (uint64_t)n, secs, gib * 1024 / secs, o->pid ? p1 - p0 : -1, o->pid ? (p1 - p0) / gib : -1,
           c1 - c0, o->origin_pid ? q1 - q0 : -1, sys_busy_cores(sb0, st0, sb1, st1), errors);
    return errors ? 1 : 0;
}

/* ------------------------------------------------------------------ pingpong */

static int cmd_pingpong(struct opts *o) {
    int fd = open_tunnel_blocking(o);
    if (fd < 0) die("could not open the tunnel");
    unsigned char e = 'E';
    if (send_all(fd, &e, 1)) die("send: %s", strerror(errno));
    size_t sz = (size_t)o->size;
    unsigned char in[65536];
    int warm = o->count / 10 + 100;
    double *rtt = malloc(sizeof(double) * (size_t)o->count);
    double c0 = 0, p0 = 0, t0 = 0;
    for (int i = -warm; i < o->count; i++) {
        if (i == 0) { c0 = self_cpu_s(); p0 = proc_cpu_s(o->pid); t0 = now_s(); }
        double a = now_s();
        if (send_all(fd, data_buf, sz) || recv_all(fd, in, sz)) die("ping-pong failed at %d", i);
        double b = now_s();
        if (i >= 0) rtt[i] = (b - a) * 1e6;
    }
    double t1 = now_s(), c1 = self_cpu_s(), p1 = proc_cpu_s(o->pid);
    close(fd);
    qsort(rtt, (size_t)o->count, sizeof *rtt, cmp_double);
    printf("RESULT label=%s mode=pingpong size=%d count=%d p50_us=%.1f p99_us=%.1f p999_us=%.1f secs=%.3f proxy_cpu=%.3f client_cpu=%.3f errors=0\n",
           o->label, o->size, o->count, percentile(rtt, (size_t)o->count, 0.5), percentile(rtt, (size_t)o->count, 0.99),
           percentile(rtt, (size_t)o->count, 0.999), t1 - t0, o->pid ? p1 - p0 : -1, c1 - c0);
    return 0;
}

/* ------------------------------------------------------------------ nonblocking tunnels: setup, paced, idle */

enum { C_FREE, C_CONNECTING, C_HEAD, C_ACK, C_HELD };

struct cconn {
    int fd, state, headlen;
    char head[256];
    double t_start, t_2xx;
};

struct nb {
    const struct opts *o;
    int ep;
    struct cconn *slots;
    int nslots, active;
    char req[512];
    int reqlen;
    unsigned char msg[sizeof hello + 1];
    /* results */
    long completed, errors, held;
    double *lat_2xx, *lat_done;
    size_t nlat, caplat;
    int record;
    char lasterr[160];
};

static void nb_err(struct nb *s, struct cconn *c, const char *what) {
    s->errors++;
    snprintf(s->lasterr, sizeof s->lasterr, "%s%s%s", what, errno ? ": " : "", errno ? strerror(errno) : "");
    if (c->state == C_HELD) s->held--;
    close(c->fd);
    c->state = C_FREE;
    s->active--;
}

static int nb_start(struct nb *s, int slot) {
    struct cconn *c = &s->slots[slot];
    const struct opts *o = s->o;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) { s->errors++; snprintf(s->lasterr, sizeof s->lasterr, "socket: %s", strerror(errno)); return -1; }
    set_nodelay(fd);
    bind_source(fd, o->src_ips);
    c->fd = fd;
    c->headlen = 0;
    c->t_start = now_s();
    c->state = C_CONNECTING;
    s->active++;
    const struct sockaddr_in *sa = o->use_proxy ? &o->proxy_sa : &o->target_sa;
    int r = connect(fd, (const struct sockaddr *)sa, sizeof *sa);
    if (r && errno != EINPROGRESS) { nb_err(s, c, "connect"); return -1; }
    struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = (uint32_t)slot};
    epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev);
    return 0;
}

static void nb_send_hello(struct nb *s, struct cconn *c, int slot) {
    ssize_t w = send(c->fd, s->msg, hello_len + 1, MSG_NOSIGNAL);
    if (w != (ssize_t)(hello_len + 1)) { errno = w < 0 ? errno : 0; nb_err(s, c, "send ClientHello"); return; }
    c->state = C_ACK;
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)slot};
    epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Returns 1 when the slot's tunnel has just completed its echo. */
static int nb_event(struct nb *s, int slot, uint32_t events) {
    struct cconn *c = &s->slots[slot];
    (void)events;
    switch (c->state) {
    case C_CONNECTING: {
        int err = 0;
        socklen_t el = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
        if (err) { errno = err; nb_err(s, c, "connect"); return 0; }
        if (s->o->use_proxy) {
            ssize_t w = send(c->fd, s->req, (size_t)s->reqlen, MSG_NOSIGNAL);
            if (w != s->reqlen) { errno = w < 0 ? errno : 0; nb_err(s, c, "send CONNECT"); return 0; }
            c->state = C_HEAD;
            struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)slot};
            epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &ev);
        } else {
            c->t_2xx = now_s();
            nb_send_hello(s, c, slot);
        }
        return 0;
    }
    case C_HEAD: {
        ssize_t r = recv(c->fd, c->head + c->headlen, sizeof c->head - 1 - (size_t)c->headlen, 0);
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
        if (r <= 0) { errno = r < 0 ? errno : 0; nb_err(s, c, "proxy closed before its answer"); return 0; }
        c->headlen += (int)r;
        c->head[c->headlen] = 0;
        char *end = strstr(c->head, "\r\n\r\n");
        if (!end) {
            if (c->headlen >= (int)sizeof c->head - 1) { errno = 0; nb_err(s, c, "answer head too long"); }
            return 0;
        }
        if (!head_ok(c->head) || end + 4 != c->head + c->headlen) {
            errno = 0;
            char what[120];
            snprintf(what, sizeof what, "proxy answered %.*s", (int)strcspn(c->head, "\r\n") > 80 ? 80 : (int)strcspn(c->head, "\r\n"), c->head);
            nb_err(s, c, what);
            return 0;
        }
        c->t_2xx = now_s();
        nb_send_hello(s, c, slot);
        return 0;
    }
    case C_ACK: {
        unsigned char b;
        ssize_t r = recv(c->fd, &b, 1, 0);
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
        if (r != 1 || b != 'P') {
            errno = r < 0 ? errno : 0;
            nb_err(s, c, r == 1 ? "wrong echo byte (a TLS alert: the ClientHello was refused?)" : "closed before the echo");
            return 0;
        }
        double t = now_s();
        if (s->record) {
            if (s->nlat == s->caplat) {
                s->caplat = s->caplat ? s->caplat * 2 : 65536;
                s->lat_2xx = realloc(s->lat_2xx, s->caplat * sizeof(double));
                s->lat_done = realloc(s->lat_done, s->caplat * sizeof(double));
            }
            s->lat_2xx[s->nlat] = (c->t_2xx - c->t_start) * 1e3;
            s->lat_done[s->nlat] = (t - c->t_start) * 1e3;
            s->nlat++;
            s->completed++;
        }
        return 1;
    }
    case C_HELD: {
        /* Nothing should arrive on an idle tunnel: anything is the tunnel going away. */
        ssize_t r = recv(c->fd, scratch, sizeof scratch, 0);
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
        errno = r < 0 ? errno : 0;
        nb_err(s, c, r == 0 ? "idle tunnel closed by the far side" : "idle tunnel received bytes");
        return 0;
    }
    default:
        return 0;
    }
}

static void nb_init(struct nb *s, const struct opts *o, int nslots) {
    memset(s, 0, sizeof *s);
    s->o = o;
    s->ep = epoll_create1(0);
    s->nslots = nslots;
    s->slots = calloc((size_t)nslots, sizeof *s->slots);
    s->reqlen = connect_request(o, s->req, sizeof s->req);
    memcpy(s->msg, hello, hello_len);
    s->msg[hello_len] = 'P';
}

static void nb_finish(struct nb *s, struct cconn *c) {
    close(c->fd);
    c->state = C_FREE;
    s->active--;
}

static void print_latencies(struct nb *s, const char *prefix) {
    qsort(s->lat_2xx, s->nlat, sizeof(double), cmp_double);
    qsort(s->lat_done, s->nlat, sizeof(double), cmp_double);
    printf(" %s2xx_p50_ms=%.3f %s2xx_p99_ms=%.3f %sdone_p50_ms=%.3f %sdone_p99_ms=%.3f", prefix,
           percentile(s->lat_2xx, s->nlat, 0.5), prefix, percentile(s->lat_2xx, s->nlat, 0.99), prefix,
           percentile(s->lat_done, s->nlat, 0.5), prefix, percentile(s->lat_done, s->nlat, 0.99));
}

static int cmd_setup(struct opts *o) {
    struct nb s;
    nb_init(&s, o, o->workers);
    struct epoll_event evs[MAX_EVENTS];
    /* A short warm-up (not counted), then the measured window. */
    double warm_end = now_s() + 0.5, t0 = 0, t1 = 0, c0 = 0, p0 = 0, q0 = 0, c1 = 0, p1 = 0, q1 = 0;
    unsigned long long sb0 = 0, st0 = 0, sb1 = 0, st1 = 0;
    for (int i = 0; i < o->workers; i++) nb_start(&s, i);
    int measuring = 0, stopping = 0;
    while (s.active > 0) {
        double t = now_s();
        if (!measuring && !stopping && t >= warm_end) {
            measuring = 1; s.record = 1;
            sys_jiffies(&sb0, &st0);
            c0 = self_cpu_s(); p0 = proc_cpu_s(o->pid); q0 = proc_cpu_s(o->origin_pid); t0 = now_s();
        }
        if (measuring && t >= t0 + o->duration) {
            t1 = now_s();
            c1 = self_cpu_s(); p1 = proc_cpu_s(o->pid); q1 = proc_cpu_s(o->origin_pid);
            sys_jiffies(&sb1, &st1);
            measuring = 0; stopping = 1; s.record = 0;
        }
        if (s.errors > 1000) die("setup: too many errors, last: %s", s.lasterr);
        int k = epoll_wait(s.ep, evs, MAX_EVENTS, 100);
        for (int e = 0; e < k; e++) {
            int slot = (int)evs[e].data.u32;
            if (s.slots[slot].state == C_FREE) continue;
            int doneflag = nb_event(&s, slot, evs[e].events);
            if (doneflag) nb_finish(&s, &s.slots[slot]);
            if (s.slots[slot].state == C_FREE && !stopping) nb_start(&s, slot);
        }
    }
    double secs = t1 - t0;
    long n = s.completed;
    printf("RESULT label=%s mode=setup workers=%d tunnels=%ld secs=%.3f rate=%.1f proxy_cpu=%.3f proxy_us_per_tunnel=%.1f "
           "client_cpu=%.3f origin_cpu=%.3f sys_busy_cores=%.2f errors=%ld",
           o->label, o->workers, n, secs, (double)n / secs, o->pid ? p1 - p0 : -1,
           o->pid && n ? (p1 - p0) * 1e6 / (double)n : -1, c1 - c0, o->origin_pid ? q1 - q0 : -1,
           sys_busy_cores(sb0, st0, sb1, st1), s.errors);
    print_latencies(&s, "");
    printf("\n");
    if (s.errors) fprintf(stderr, "setup: %ld errors, last: %s\n", s.errors, s.lasterr);
    return 0;
}

static int cmd_paced(struct opts *o) {
    int maxinflight = 4096;
    struct nb s;
    nb_init(&s, o, maxinflight);
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    long interval_ns = 1000000000L / o->rate;
    struct itimerspec its = {.it_interval = {0, interval_ns}, .it_value = {0, interval_ns}};
    timerfd_settime(tfd, 0, &its, NULL);
    struct epoll_event tev = {.events = EPOLLIN, .data.u32 = 0xffffffffu};
    epoll_ctl(s.ep, EPOLL_CTL_ADD, tfd, &tev);
    struct epoll_event evs[MAX_EVENTS];
    double warm_end = now_s() + 0.5, t0 = 0, t1 = 0, p0 = 0;
    int measuring = 0, stopping = 0, next = 0;
    long started = 0, skipped = 0;
    for (;;) {
        double t = now_s();
        if (!measuring && !stopping && t >= warm_end) { measuring = 1; s.record = 1; p0 = proc_cpu_s(o->pid); t0 = t; }
        if (measuring && t >= t0 + o->duration) { measuring = 0; stopping = 1; t1 = t; }
        if (stopping && s.active == 0) break;
        if (stopping && t > t1 + 10) { fprintf(stderr, "paced: %d tunnels still open after 10 s\n", s.active); break; }
        int k = epoll_wait(s.ep, evs, MAX_EVENTS, 50);
        for (int e = 0; e < k; e++) {
            if (evs[e].data.u32 == 0xffffffffu) {
                uint64_t exp = 0;
                if (read(tfd, &exp, sizeof exp) != sizeof exp) continue;
                if (stopping) continue;
                for (uint64_t j = 0; j < exp; j++) {
                    int tries = 0;
                    while (s.slots[next].state != C_FREE && tries < maxinflight) { next = (next + 1) % maxinflight; tries++; }
                    if (tries == maxinflight) { skipped++; continue; }
                    nb_start(&s, next);
                    if (measuring) started++;
                }
                continue;
            }
            int slot = (int)evs[e].data.u32;
            if (s.slots[slot].state == C_FREE) continue;
            if (nb_event(&s, slot, evs[e].events)) nb_finish(&s, &s.slots[slot]);
        }
    }
    double p1 = proc_cpu_s(o->pid);
    printf("RESULT label=%s mode=paced rate=%d started=%ld tunnels=%ld secs=%.3f proxy_us_per_tunnel=%.1f errors=%ld skipped=%ld",
           o->label, o->rate, started, s.completed, t1 - t0, o->pid && s.completed ? (p1 - p0) * 1e6 / (double)s.completed : -1,
           s.errors, skipped);
    print_latencies(&s, "");
    printf("\n");
    if (s.errors) fprintf(stderr, "paced: %ld errors, last: %s\n", s.errors, s.lasterr);
    return 0;
}

static void sleep_s(double secs) {
    struct timespec ts = {.tv_sec = (time_t)secs, .tv_nsec = (long)((secs - (double)(time_t)secs) * 1e9)};
    while (nanosleep(&ts, &ts) && errno == EINTR) {}
}

/* Runs the event loop (noticing tunnels that go away) for secs seconds. */
static void nb_watch(struct nb *s, double secs) {
    struct epoll_event evs[MAX_EVENTS];
    double end = now_s() + secs;
    for (double t = now_s(); t < end; t = now_s()) {
        int ms = (int)((end - t) * 1000) + 1;
        int k = epoll_wait(s->ep, evs, MAX_EVENTS, ms);
        for (int e = 0; e < k; e++) {
            int slot = (int)evs[e].data.u32;
            if (s->slots[slot].state != C_FREE) nb_event(s, slot, evs[e].events);
        }
    }
}

static int cmd_idle(struct opts *o) {
    struct nb s;
    nb_init(&s, o, o->count);
    s.record = 1;
    long rss0 = proc_rss_kib(o->pid), fd0 = proc_fd_count(o->pid);
    double cpu0 = proc_cpu_s(o->pid);
    struct epoll_event evs[MAX_EVENTS];
    int next = 0;
    double t0 = now_s(), deadline = t0 + o->timeout;
    int inflight_limit = o->concurrency;
    /* Open: at most --concurrency tunnels being set up at once; those that finish are held. */
    while (s.held + s.errors < o->count) {
        while (next < o->count && s.active - s.held < inflight_limit) nb_start(&s, next++);
        if (now_s() > deadline) { fprintf(stderr, "idle: timed out opening tunnels\n"); break; }
        if (s.errors > 100) break;
        int k = epoll_wait(s.ep, evs, MAX_EVENTS, 100);
        for (int e = 0; e < k; e++) {
            int slot = (int)evs[e].data.u32;
            struct cconn *c = &s.slots[slot];
            if (c->state == C_FREE) continue;
            if (nb_event(&s, slot, evs[e].events)) { c->state = C_HELD; s.held++; }
        }
        if (next >= o->count && s.active == s.held) break;
    }
    double t_open = now_s() - t0;
    long opened = s.held;
    double cpu_open = proc_cpu_s(o->pid) - cpu0;
    fprintf(stderr, "idle: %ld tunnels open in %.2f s (%ld errors%s%s); settling %.1f s\n", opened, t_open, s.errors,
            s.errors ? ", last: " : "", s.errors ? s.lasterr : "", o->settle);
    nb_watch(&s, o->settle);
    long rss1 = proc_rss_kib(o->pid), fd1 = proc_fd_count(o->pid);
    long rss1b = rss1;
    if (o->peak_cmd) {
        int rc = system(o->peak_cmd);
        if (rc != 0) fprintf(stderr, "idle: --peak-cmd exited with %d\n", rc);
        rss1b = proc_rss_kib(o->pid);   /* what the command itself (e.g. a full GC) added */
    }
    long still = s.held;
    /* Close them all, then wait until the proxy has closed its side too. */
    for (int i = 0; i < o->count; i++) {
        if (s.slots[i].state != C_FREE) { close(s.slots[i].fd); s.slots[i].state = C_FREE; }
    }
    double tc = now_s();
    while (o->pid && proc_fd_count(o->pid) > fd0 + 16 && now_s() < tc + 60) sleep_s(0.1);
    double t_close = now_s() - tc;
    sleep_s(o->settle);
    long rss2 = proc_rss_kib(o->pid), fd2 = proc_fd_count(o->pid);
    printf("RESULT label=%s mode=idle tunnels=%ld held_at_peak=%ld open_secs=%.2f close_secs=%.2f proxy_cpu_open=%.3f "
           "rss_before_kib=%ld rss_peak_kib=%ld rss_after_peak_cmd_kib=%ld rss_after_kib=%ld growth_mib=%.1f kib_per_tunnel=%.2f "
           "after_minus_before_mib=%.1f fds_before=%ld fds_peak=%ld fds_after=%ld errors=%ld\n",
           o->label, opened, still, t_open, t_close, cpu_open, rss0, rss1, rss1b, rss2, (double)(rss1 - rss0) / 1024,
           opened ? (double)(rss1 - rss0) / (double)opened : -1, (double)(rss2 - rss0) / 1024, fd0, fd1, fd2, s.errors);
    if (s.errors) fprintf(stderr, "idle: %ld errors, last: %s\n", s.errors, s.lasterr);
    return opened == o->count ? 0 : 1;
}

/* ------------------------------------------------------------------ relay (reference floor, not a proxy) */

/*
 * A minimal CONNECT relay in C, for scale: the least a user-space relay can do per tunnel and per byte on this
 * kernel. It answers every CONNECT with a 200 and connects to --target whatever the request names: no policy, no
 * ClientHello inspection, no log, no limits, no timeouts. One thread, level-triggered epoll.
 *   --mode copy    recv into a 256 KiB buffer per direction, send from it (what this proxy and Squid do)
 *   --mode splice  splice(2) socket -> pipe -> socket, a 1 MiB pipe per direction: no copy through user space
 * Half-close is passed on (shutdown(SHUT_WR) at EOF); the tunnel closes when both directions are done.
 */
#define R_CHUNK (256 * 1024)

struct rdir { int in, out; unsigned char *buf; int pipe[2]; size_t pending, off; int eof, done; };
struct rtun { int cfd, ufd; int connected, head_done; char head[4096]; size_t head_len; struct rdir d[2];
              uint32_t ev_c, ev_u; };
struct rend { struct rtun *t; int up; };   /* epoll data: which tunnel, which socket (0 client, 1 upstream) */

static int r_ep, r_splice;
static struct rend r_closed;   /* stands in for a tunnel closed earlier in the same batch of events */
static struct sockaddr_in r_origin;

static void r_free(struct rtun *t) {
    close(t->cfd);
    if (t->ufd >= 0) close(t->ufd);
    for (int i = 0; i < 2; i++) {
        free(t->d[i].buf);
        if (t->d[i].pipe[0] >= 0) { close(t->d[i].pipe[0]); close(t->d[i].pipe[1]); }
    }
    free(t);
}

/* Interest of each socket: read while its direction has nothing pending, write while the other direction does. */
static void r_interest(struct rtun *t, struct rend *ec, struct rend *eu) {
    uint32_t c = 0, u = 0;
    if (!t->head_done) c = EPOLLIN;
    else if (!t->connected) u = EPOLLOUT;
    else {
        struct rdir *up = &t->d[0], *down = &t->d[1];   /* up: client -> upstream; down: upstream -> client */
        if (!up->eof && !up->pending) c |= EPOLLIN;
        if (up->pending) u |= EPOLLOUT;
        if (!down->eof && !down->pending) u |= EPOLLIN;
        if (down->pending) c |= EPOLLOUT;
    }
    if (c != t->ev_c) { struct epoll_event e = { .events = c, .data.ptr = ec }; epoll_ctl(r_ep, EPOLL_CTL_MOD, t->cfd, &e); t->ev_c = c; }
    if (t->ufd >= 0 && u != t->ev_u) { struct epoll_event e = { .events = u, .data.ptr = eu }; epoll_ctl(r_ep, EPOLL_CTL_MOD, t->ufd, &e); t->ev_u = u; }
}

/* Moves what is pending in one direction to its output; -1 on a hard error. */
static int r_drain(struct rdir *d) {
    while (d->pending) {
        ssize_t n = r_splice ? splice(d->pipe[0], NULL, d->out, NULL, d->pending, SPLICE_F_MOVE | SPLICE_F_NONBLOCK)
                             : send(d->out, d->buf + d->off, d->pending, MSG_NOSIGNAL);
        if (n < 0) return errno == EAGAIN ? 0 : -1;
        d->pending -= (size_t)n;
        d->off += (size_t)n;
    }
    d->off = 0;
    if (d->eof && !d->done) { shutdown(d->out, SHUT_WR); d->done = 1; }
    return 0;
}

/* One read on a direction's input, then as much of it out as the output takes; -1 on a hard error. */
static int r_pump(struct rdir *d) {
    ssize_t n = r_splice ? splice(d->in, NULL, d->pipe[1], NULL, 1 << 20, SPLICE_F_MOVE | SPLICE_F_NONBLOCK)
                         : recv(d->in, d->buf, R_CHUNK, 0);
    if (n < 0) return errno == EAGAIN ? 0 : -1;
    if (n == 0) d->eof = 1; else d->pending = (size_t)n;
    return r_drain(d);
}

static int r_start_relay(struct rtun *t) {
    for (int i = 0; i < 2; i++) {
        struct rdir *d = &t->d[i];
        d->in = i ? t->ufd : t->cfd;
        d->out = i ? t->cfd : t->ufd;
        if (r_splice) {
            if (pipe2(d->pipe, O_NONBLOCK | O_CLOEXEC)) return -1;
            if (getenv("TB_PIPE_SZ")) fcntl(d->pipe[0], F_SETPIPE_SZ, atoi(getenv("TB_PIPE_SZ")));
        } else if (!(d->buf = malloc(R_CHUNK))) return -1;
    }
    const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
    if (send(t->cfd, ok, sizeof ok - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof ok - 1)) return -1;
    /* bytes the client sent behind the head (the ClientHello) go upstream first */
    char *end = memmem(t->head, t->head_len, "\r\n\r\n", 4) + 4;
    size_t rest = t->head_len - (size_t)(end - t->head);
    if (rest && send(t->ufd, end, rest, MSG_NOSIGNAL) != (ssize_t)rest) return -1;
    return 0;
}

static int r_event(struct rend *e, uint32_t ev) {
    struct rtun *t = e->t;
    if (!t->head_done) {
        ssize_t n = recv(t->cfd, t->head + t->head_len, sizeof t->head - t->head_len, 0);
        if (n <= 0) return n < 0 && errno == EAGAIN ? 0 : -1;
        t->head_len += (size_t)n;
        if (!memmem(t->head, t->head_len, "\r\n\r\n", 4)) return t->head_len < sizeof t->head ? 0 : -1;
        t->head_done = 1;
        t->ufd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (t->ufd < 0) return -1;
        set_nodelay(t->ufd);
        if (connect(t->ufd, (struct sockaddr *)&r_origin, sizeof r_origin) && errno != EINPROGRESS) return -1;
        struct epoll_event pe = { .events = 0, .data.ptr = e + 1 };
        if (epoll_ctl(r_ep, EPOLL_CTL_ADD, t->ufd, &pe)) return -1;
        return 0;
    }
    if (!t->connected) {
        int err = 0; socklen_t el = sizeof err;
        if (getsockopt(t->ufd, SOL_SOCKET, SO_ERROR, &err, &el) || err) return -1;
        t->connected = 1;
        return r_start_relay(t);
    }
    if (ev & (EPOLLERR)) return -1;
    struct rdir *from = &t->d[e->up], *to = &t->d[!e->up];
    if ((ev & EPOLLOUT) && r_drain(to)) return -1;
    if ((ev & (EPOLLIN | EPOLLHUP)) && !from->pending && !from->eof && r_pump(from)) return -1;
    return t->d[0].done && t->d[1].done ? -1 : 0;   /* both directions finished: close */
}

static int cmd_relay(struct opts *o) {
    if (!o->listen) die("relay needs --listen IP:PORT");
    if (!o->mode || (strcmp(o->mode, "copy") && strcmp(o->mode, "splice"))) die("relay needs --mode copy|splice");
    r_splice = !strcmp(o->mode, "splice");
    r_origin = o->target_sa;
    struct sockaddr_in sa;
    parse_addr(o->listen, &sa);
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) || listen(lfd, 4096)) die("relay: bind/listen %s: %s", o->listen, strerror(errno));
    r_ep = epoll_create1(0);
    struct epoll_event le = { .events = EPOLLIN, .data.ptr = NULL };
    epoll_ctl(r_ep, EPOLL_CTL_ADD, lfd, &le);
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    struct epoll_event evs[MAX_EVENTS];
    while (!o_stop) {
        int n = epoll_wait(r_ep, evs, MAX_EVENTS, 200);
        for (int i = 0; i < n; i++) {
            struct rend *e = evs[i].data.ptr;
            if (e == &r_closed) continue;
            if (!e) {
                int cfd;
                while ((cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    /* the tunnel and its two epoll data records in one allocation */
                    struct rtun *t = calloc(1, sizeof *t + 2 * sizeof(struct rend));
                    struct rend *ends = (struct rend *)(t + 1);
                    ends[0] = (struct rend){ t, 0 };
                    ends[1] = (struct rend){ t, 1 };
                    t->cfd = cfd; t->ufd = -1; t->ev_c = EPOLLIN;
                    for (int k = 0; k < 2; k++) t->d[k].pipe[0] = t->d[k].pipe[1] = -1;
                    set_nodelay(cfd);
                    struct epoll_event ce = { .events = EPOLLIN, .data.ptr = &ends[0] };
                    if (epoll_ctl(r_ep, EPOLL_CTL_ADD, cfd, &ce)) r_free(t);
                }
                continue;
            }
            struct rtun *t = e->t;
            struct rend *ends = (struct rend *)(t + 1);
            if (r_event(e, evs[i].events)) {
                /* later events of this batch for the tunnel must not touch the freed memory */
                for (int k = i + 1; k < n; k++)
                    if (evs[k].data.ptr == &ends[0] || evs[k].data.ptr == &ends[1]) evs[k].data.ptr = &r_closed;
                r_free(t);
            } else r_interest(t, &ends[0], &ends[1]);
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ small commands */

static int cmd_freeport(struct opts *o) {
    struct sockaddr_in sa;
    char buf[80];
    snprintf(buf, sizeof buf, "%s:0", o->ip);
    parse_addr(buf, &sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa)) die("bind: %s", strerror(errno));
    socklen_t sl = sizeof sa;
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    printf("%d\n", ntohs(sa.sin_port));
    close(fd);
    return 0;
}

static int cmd_waitport(struct opts *o) {
    if (!o->target) die("waitport needs --target IP:PORT");
    double end = now_s() + o->timeout;
    while (now_s() < end) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        int r = connect(fd, (struct sockaddr *)&o->target_sa, sizeof o->target_sa);
        close(fd);
        if (r == 0) return 0;
        sleep_s(0.05);
    }
    fprintf(stderr, "tunnelbench: %s did not accept connections within %.0f s\n", o->target, o->timeout);
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: tunnelbench origin|bulk|setup|paced|pingpong|idle|relay|hello|freeport|waitport [options]\n"
                        "       (see the comment at the top of tunnelbench.c)\n");
        return 2;
    }
    struct opts o;
    parse_opts(&o, argc - 2, argv + 2);
    signal(SIGPIPE, SIG_IGN);
    fill_data();
    build_hello(o.host);
    const char *cmd = argv[1];
    if (!strcmp(cmd, "origin")) return cmd_origin(&o);
    if (!strcmp(cmd, "hello")) { fwrite(hello, 1, hello_len, stdout); return 0; }
    if (!strcmp(cmd, "freeport")) return cmd_freeport(&o);
    if (!strcmp(cmd, "waitport")) return cmd_waitport(&o);
    if (!o.target) die("%s needs --target IP:PORT (the origin)", cmd);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!strcmp(cmd, "bulk")) return cmd_bulk(&o);
    if (!strcmp(cmd, "setup")) return cmd_setup(&o);
    if (!strcmp(cmd, "paced")) return cmd_paced(&o);
    if (!strcmp(cmd, "pingpong")) return cmd_pingpong(&o);
    if (!strcmp(cmd, "idle")) return cmd_idle(&o);
    if (!strcmp(cmd, "relay")) return cmd_relay(&o);
    die("unknown command %s", cmd);
    return 2;
}
