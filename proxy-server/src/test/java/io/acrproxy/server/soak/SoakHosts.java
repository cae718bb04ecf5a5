package io.acrproxy.server.soak;

/**
 * The names the soak's clients ask for and the origin ports behind them. The first three are mapped to loopback
 * addresses by {@code resolver.hosts}; {@code *.dns.soak.test} goes to the soak's own name server.
 */
record SoakHosts(int dataPort, int idlePort, int revocablePort, int dnsPort) {
    static final String DATA = "data.soak.test";
    static final String IDLE = "idle.soak.test";
    static final String REVOCABLE = "revocable.soak.test";
    /** The soak name server answers this one with the address of a fourth origin. */
    static final String DNS_OK = "ok.dns.soak.test";
    static final String DATA_ADDRESS = "127.0.0.101";
    static final String IDLE_ADDRESS = "127.0.0.102";
    static final String REVOCABLE_ADDRESS = "127.0.0.103";
    static final String DNS_OK_ADDRESS = "127.0.0.104";
    static final String DNS_SERVER_ADDRESS = "127.0.0.105";
}
