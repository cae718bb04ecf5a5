package io.acrproxy.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.acrproxy.core.inspect.InspectSettings;
import io.acrproxy.policy.host.HostName;
import io.acrproxy.policy.host.InvalidHostException;
import io.acrproxy.policy.net.Cidr;
import io.acrproxy.policy.net.IpAddresses;
import io.acrproxy.server.tls.ServerCertificate;
import io.acrproxy.server.tls.TlsFiles;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Validates the sections that shape the server rather than the allowlist: sockets, limits, auth, DNS. */
final class ServerSections {
    private final Checks checks;
    private final Problems problems;

    ServerSections(Checks checks) {
        this.checks = checks;
        this.problems = checks.problems();
    }

    ListenAddress address(WireConfig.Address raw, KeyPath at, ListenAddress fallback) {
        return raw == null ? fallback : address(raw.address(), raw.port(), at, fallback);
    }

    ListenAddress address(WireConfig.Listen raw, KeyPath at, ListenAddress fallback) {
        return raw == null ? fallback : address(raw.address(), raw.port(), at, fallback);
    }

    /** {@code listen.proxyProtocol}: the trusted balancers' ranges; a section without any is a mistake. */
    ProxyConfig.ProxyProtocol proxyProtocol(WireConfig.Listen raw, KeyPath at) {
        if (raw == null || raw.proxyProtocol() == null) {
            return ProxyConfig.ProxyProtocol.OFF;
        }
        KeyPath trustedAt = at.key("proxyProtocol").key("trustedFrom");
        List<String> ranges = raw.proxyProtocol().trustedFrom();
        if (ranges == null || ranges.isEmpty()) {
            if (!problems.hasErrorsWithin(trustedAt)) {
                problems.error(trustedAt, "is missing or empty (expected: the load balancers' source ranges, e.g. "
                        + "[10.0.0.0/24]; without proxyProtocol clients connect directly)");
            }
            return ProxyConfig.ProxyProtocol.OFF;
        }
        List<Cidr> cidrs = new ArrayList<>();
        for (int i = 0; i < ranges.size(); i++) {
            Cidr cidr = checks.cidr(ranges.get(i), trustedAt.index(i));
            if (cidr != null) {
                cidrs.add(cidr);
            }
        }
        return cidrs.isEmpty() ? ProxyConfig.ProxyProtocol.OFF : new ProxyConfig.ProxyProtocol(cidrs);
    }

    private ListenAddress address(String rawAddress, Integer rawPort, KeyPath at, ListenAddress fallback) {
        ListenAddress bound = checks.value(rawAddress, at.key("address"), fallback, text -> {
            if (text.equalsIgnoreCase("localhost")) {
                // Not looked up: a hosts file mapping localhost elsewhere must not move the admin port.
                return new ListenAddress("localhost", InetAddress.getLoopbackAddress(), fallback.port());
            }
            byte[] bytes = IpAddresses.parseIpv4(text);
            if (bytes == null && text.indexOf(':') >= 0) {
                bytes = IpAddresses.parseIpv6(text);
            }
            if (bytes == null) {
                throw new IllegalArgumentException(HostName.quote(text)
                        + " is not an IP address or localhost (expected: an IP address such as 0.0.0.0, :: or 127.0.0.1, or localhost)");
            }
            return new ListenAddress(text, IpAddresses.fromBytes(bytes), fallback.port());
        });
        int port = rawPort == null ? 0 : checks.port(rawPort, at.key("port"));
        return new ListenAddress(bound.host(), bound.address(), port != 0 ? port : fallback.port());
    }

    /**
     * {@code listenTls} (design §2.4): its address, and its files read and checked now, so that {@code check-config}
     * reports an unreadable or mismatched pair, an expired certificate or an empty CA file with its key.
     */
    ProxyConfig.ListenTls listenTls(WireConfig.ListenTls raw, KeyPath at, ListenAddress listen, ListenAddress admin) {
        if (raw == null) {
            return null;
        }
        ListenAddress address = address(raw.address(), raw.port(), at, ProxyConfig.DEFAULT_LISTEN_TLS);
        checkDistinct(listen, KeyPath.ROOT.key("listen"), address, at);
        checkDistinct(admin, KeyPath.ROOT.key("admin"), address, at);
        Path cert = checks.required(raw.certFile(), at.key("certFile"), "the PEM certificate chain", checks::resolvePath);
        Path key = checks.required(raw.keyFile(), at.key("keyFile"), "the PEM private key", checks::resolvePath);
        Path clientCa = raw.clientCaFile() == null ? null : checks.path(raw.clientCaFile(), at.key("clientCaFile"));
        boolean require = Checks.orDefault(raw.requireClientCert(), false);
        if (require && raw.clientCaFile() == null) {
            problems.error(at.key("requireClientCert"), "is true without clientCaFile (expected: clientCaFile, the CAs "
                    + "that issue the client certificates)");
        }
        if (cert == null || key == null || problems.hasErrorsWithin(at)) {
            return null;
        }
        TlsFiles files = new TlsFiles(cert, key, clientCa, require);
        try {
            ServerCertificate.load(files, Instant.now());
        } catch (ServerCertificate.Problem e) {
            problems.error(at.key(e.key()), e.getMessage());
            return null;
        }
        return new ProxyConfig.ListenTls(address, files);
    }

    /** Two server sockets on one port and overlapping addresses cannot both bind. */
    void checkDistinct(ListenAddress listen, ListenAddress admin) {
        checkDistinct(listen, KeyPath.ROOT.key("listen"), admin, KeyPath.ROOT.key("admin"));
    }

    /** As {@link #checkDistinct(ListenAddress, ListenAddress)}: {@code later}, at {@code laterAt}, is the one reported. */
    private void checkDistinct(ListenAddress earlier, KeyPath earlierAt, ListenAddress later, KeyPath laterAt) {
        if (later.overlaps(earlier) && !problems.hasErrorsWithin(earlierAt) && !problems.hasErrorsWithin(laterAt)) {
            problems.error(laterAt.key("port"), later.port() + " is already used by " + earlierAt.text() + " ("
                    + earlier + ") (expected: a port of its own)");
        }
    }

    ProxyConfig.Sni sni(WireConfig.Sni raw, KeyPath at) {
        ProxyConfig.Sni d = ProxyConfig.Sni.DEFAULTS;
        if (raw == null) {
            return d;
        }
        return new ProxyConfig.Sni(
                Checks.orDefault(raw.required(), d.required()),
                checks.value(raw.inspectTimeout(), at.key("inspectTimeout"), d.inspectTimeout(), Durations::parse),
                checks.between(raw.maxClientHelloBytes(), at.key("maxClientHelloBytes"), d.maxClientHelloBytes(),
                        InspectSettings.MIN_BYTES, InspectSettings.MAX_BYTES));
    }

    ProxyConfig.Destinations destinations(WireConfig.Destinations raw, KeyPath at) {
        ProxyConfig.Destinations d = ProxyConfig.Destinations.DEFAULTS;
        if (raw == null) {
            return d;
        }
        boolean allowPrivate = Checks.orDefault(raw.allowPrivate(), d.allowPrivate());
        KeyPath rangesAt = at.key("denyRanges");
        JsonNode ranges = raw.denyRanges();
        String expected = " (expected: default, or a list of CIDR prefixes)";
        if (ranges == null || (ranges.isTextual() && ranges.textValue().equals("default"))) {
            return new ProxyConfig.Destinations(true, List.of(), allowPrivate);
        }
        if (ranges.isTextual()) {
            problems.error(rangesAt, HostName.quote(ranges.textValue()) + " is not valid" + expected);
            return new ProxyConfig.Destinations(true, List.of(), allowPrivate);
        }
        if (!ranges.isArray()) {
            problems.error(rangesAt, "got " + WireBinder.describe(ranges) + expected);
            return new ProxyConfig.Destinations(true, List.of(), allowPrivate);
        }
        if (ranges.isEmpty()) {
            problems.warn(rangesAt, "is empty: loopback, link-local and other internal addresses are reachable through the proxy");
        }
        List<Cidr> cidrs = new ArrayList<>();
        for (int i = 0; i < ranges.size(); i++) {
            Cidr cidr = checks.cidr(text(ranges.get(i), rangesAt.index(i), "a CIDR prefix such as 10.0.0.0/8"), rangesAt.index(i));
            if (cidr != null) {
                cidrs.add(cidr);
            }
        }
        return new ProxyConfig.Destinations(false, cidrs, allowPrivate);
    }

    ProxyConfig.Resolver resolver(WireConfig.Resolver raw, KeyPath at) {
        ProxyConfig.Resolver d = ProxyConfig.Resolver.DEFAULTS;
        if (raw == null) {
            return d;
        }
        Map<String, List<InetAddress>> hosts = new LinkedHashMap<>();
        KeyPath hostsAt = at.key("hosts");
        if (raw.hosts() != null) {
            raw.hosts().forEach((name, value) -> {
                KeyPath hostAt = hostsAt.key(name);
                String host = checks.value(name, hostAt, null, ServerSections::hostName);
                List<InetAddress> addresses = addresses(value, hostAt);
                if (host == null || addresses.isEmpty()) {
                    return;
                }
                if (hosts.putIfAbsent(host, addresses) != null) {
                    problems.error(hostAt, HostName.quote(host) + " is listed twice (expected: each host once)");
                }
            });
        }
        List<InetSocketAddress> servers = raw.servers() == null ? d.servers()
                : checks.each(raw.servers(), at.key("servers"), ServerSections::nameServer);
        return new ProxyConfig.Resolver(hosts, checks.value(raw.timeout(), at.key("timeout"), d.timeout(), Durations::parse),
                servers);
    }

    /**
     * A name server as {@code address:port}, IPv6 in brackets: an address, not a name, because the resolver cannot
     * look up its own name server; and an explicit port, so that a test's or a sidecar's port is never guessed.
     */
    static InetSocketAddress nameServer(String text) {
        String expected = " (expected: address:port such as 10.0.0.10:53 or [fd00::53]:53)";
        int colon = text.lastIndexOf(':');
        String address = colon < 0 ? text : text.substring(0, colon);
        if (colon < 0 || address.isEmpty()) {
            throw new IllegalArgumentException(HostName.quote(text) + " has no port" + expected);
        }
        if (address.startsWith("[") && address.endsWith("]")) {
            address = address.substring(1, address.length() - 1);
            if (!address.contains(":")) {
                throw new IllegalArgumentException(HostName.quote(text) + " has an IPv4 address in brackets" + expected);
            }
        } else if (address.contains(":")) {
            throw new IllegalArgumentException(HostName.quote(text) + " has an IPv6 address without brackets" + expected);
        }
        InetAddress ip;
        try {
            ip = IpAddresses.parse(address);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(HostName.quote(text) + " does not start with an IP address" + expected, e);
        }
        String portText = text.substring(colon + 1);
        int port = portText.matches("[0-9]{1,5}") ? Integer.parseInt(portText) : -1;
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(HostName.quote(text) + " has no port from 1 to 65535" + expected);
        }
        return new InetSocketAddress(ip, port);
    }

    private static String hostName(String text) {
        try {
            return HostName.normalise(text);
        } catch (InvalidHostException e) {
            throw new IllegalArgumentException(e.getMessage() + " (expected: a host name)", e);
        }
    }

    /** A hosts value is one address or a list of them. */
    private List<InetAddress> addresses(JsonNode value, KeyPath at) {
        String expected = "an IP address such as 10.1.2.3";
        List<InetAddress> out = new ArrayList<>();
        if (value.isArray()) {
            if (value.isEmpty()) {
                problems.error(at, "is empty (expected: at least one IP address)");
            }
            for (int i = 0; i < value.size(); i++) {
                InetAddress a = checks.value(text(value.get(i), at.index(i), expected), at.index(i), null, Checks::ipAddress);
                if (a != null) {
                    out.add(a);
                }
            }
        } else if (value.isTextual()) {
            InetAddress a = checks.value(value.textValue(), at, null, Checks::ipAddress);
            if (a != null) {
                out.add(a);
            }
        } else {
            problems.error(at, "got " + WireBinder.describe(value) + " (expected: an IP address or a list of IP addresses)");
        }
        return out;
    }

    /** The text of a list element inside a {@link JsonNode} key, or {@code null} after reporting its type. */
    private String text(JsonNode element, KeyPath at, String expected) {
        if (element.isTextual()) {
            return element.textValue();
        }
        problems.error(at, "got " + WireBinder.describe(element) + " (expected: " + expected + ")");
        return null;
    }

    ProxyConfig.Clients clients(WireConfig.Clients raw, KeyPath at) {
        KeyPath allowAt = at.key("allow");
        List<String> allow = raw == null || raw.allow() == null ? ProxyConfig.Clients.DEFAULT_ALLOW : raw.allow();
        if (allow.isEmpty()) {
            problems.warn(allowAt, "is empty: no client may connect");
        }
        return new ProxyConfig.Clients(checks.each(allow, allowAt, Cidr::parse));
    }

    ProxyConfig.Limits limits(WireConfig.Limits raw, KeyPath at) {
        ProxyConfig.Limits d = ProxyConfig.Limits.DEFAULTS;
        if (raw == null) {
            return d;
        }
        return new ProxyConfig.Limits(
                checks.positive(raw.maxConnections(), at.key("maxConnections"), d.maxConnections()),
                checks.positive(raw.maxConnectionsPerClient(), at.key("maxConnectionsPerClient"), d.maxConnectionsPerClient()),
                checks.positive(raw.maxHeaderBytes(), at.key("maxHeaderBytes"), d.maxHeaderBytes()),
                checks.between(raw.maxMemoryPercent(), at.key("maxMemoryPercent"), d.maxMemoryPercent(), 1, 100));
    }

    ProxyConfig.Relay relay(WireConfig.Relay raw, KeyPath at) {
        ProxyConfig.Relay d = ProxyConfig.Relay.DEFAULTS;
        if (raw == null) {
            return d;
        }
        return new ProxyConfig.Relay(Checks.orDefault(raw.splice(), d.splice()),
                checks.positive(raw.spliceAfterBytes(), at.key("spliceAfterBytes"), d.spliceAfterBytes()),
                checks.notNegative(raw.maxSplicePipes(), at.key("maxSplicePipes"), d.maxSplicePipes()));
    }

    ProxyConfig.Timeouts timeouts(WireConfig.Timeouts raw, KeyPath at) {
        ProxyConfig.Timeouts d = ProxyConfig.Timeouts.DEFAULTS;
        if (raw == null) {
            return d;
        }
        return new ProxyConfig.Timeouts(
                checks.value(raw.requestHeader(), at.key("requestHeader"), d.requestHeader(), Durations::parse),
                checks.value(raw.upstreamConnect(), at.key("upstreamConnect"), d.upstreamConnect(), Durations::parse),
                checks.value(raw.idle(), at.key("idle"), d.idle(), Durations::parse),
                checks.value(raw.drain(), at.key("drain"), d.drain(), Durations::parse),
                checks.value(raw.parentRetry(), at.key("parentRetry"), d.parentRetry(), Durations::parse));
    }
}
