package io.acrproxy.server.soak;

/** The soak's workload kinds; the faults are the kinds that are meant to fail. */
enum Kind {
    DOWNLOAD(false),
    UPLOAD(false),
    HALF_CLOSE_UPLOAD(false),
    ECHO(false),
    SLOW_READER(false),
    DNS_RESOLVED(false),
    IDLE(false),
    REVOCABLE(false),
    CLIENT_RESET(true),
    UPSTREAM_RESET(true),
    UPSTREAM_STALL(true),
    HELLO_STALL(true),
    NO_HELLO(true),
    GARBAGE_CONNECT(true),
    DENIED_CONNECT(true),
    DNS_NXDOMAIN(true),
    DNS_TIMEOUT(true);

    final boolean fault;

    Kind(boolean fault) {
        this.fault = fault;
    }
}
