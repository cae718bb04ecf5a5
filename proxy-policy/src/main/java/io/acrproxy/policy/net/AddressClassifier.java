package io.acrproxy.policy.net;

import io.acrproxy.policy.Decision;
import io.acrproxy.policy.Reason;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The destination-address filter of design §6.5, applied to every address a connection may go to, however the
 * host was allowed. Pure and immutable: the prohibited ranges are compiled once into a {@link CidrSet}, so a
 * decision costs one to three lookups.
 *
 * <p>In order, an address is refused when:
 * <ol>
 *   <li>it and the port equal one of the proxy's own listening addresses ({@link Reason#PROXY_LOOP}; an
 *       IPv4-mapped address equals its IPv4 form);</li>
 *   <li>it lies in a prohibited range ({@link Reason#DESTINATION_PROHIBITED}): the configured
 *       {@code denyRanges}, RFC 1918 and {@code fc00::/7} unless {@code allowPrivate}, and
 *       {@value DestinationRules#AZURE_PLATFORM_ADDRESS} always;</li>
 *   <li>it is an IPv6 address carrying an IPv4 address ({@link EmbeddedIpv4}: mapped, compatible, NAT64, 6to4,
 *       Teredo server or client) and that IPv4 address lies in a prohibited range.</li>
 * </ol>
 *
 * <p>A configured IPv6 range inside {@code ::ffff:0:0/96} is also applied to the IPv4 addresses it maps, because
 * the JDK hands mapped addresses over as IPv4 (see {@link Cidr}) and the range would otherwise never match.
 */
public final class AddressClassifier {
    private static final String ALLOW_RULE = "destination filter";
    private static final Cidr MAPPED = Cidr.parse("::ffff:0:0/96");

    private final CidrSet prohibited;
    /** Label (the range as configured) to its description. */
    private final Map<String, String> descriptions;
    private final byte[][] ownAddresses;
    private final int[] ownPorts;

    /** A range the filter refuses, with what it is ({@code loopback}, {@code Azure platform address}, {@code configured}). */
    public record ProhibitedRange(Cidr range, String description) {
    }

    /**
     * The IPv6 forms whose embedded IPv4 address is judged as well (item 3 above), as {@code check-config} and
     * {@code /policy} show them.
     */
    public static final List<String> IPV4_CARRIERS = List.of("IPv4-mapped ::ffff:0:0/96", "IPv4-compatible ::/96",
            "NAT64 64:ff9b::/96", "local-use NAT64 64:ff9b:1::/48", "6to4 2002::/16", "Teredo 2001::/32 (server and client)");

    /**
     * Every range {@code rules} refuse, in the order they are added: the configured (or default) {@code denyRanges},
     * the private ranges unless {@code allowPrivate}, and the Azure platform address. What an operator reads in
     * check-config and /policy is this list, so it cannot drift from what the filter applies.
     */
    public static List<ProhibitedRange> prohibitedRanges(DestinationRules rules) {
        List<Cidr> ranges = new ArrayList<>(rules.denyRanges());
        if (!rules.allowPrivate()) {
            DestinationRules.PRIVATE_RANGE_TEXTS.forEach(text -> ranges.add(Cidr.parse(text)));
        }
        ranges.add(Cidr.parse(DestinationRules.AZURE_PLATFORM_ADDRESS + "/32"));
        List<ProhibitedRange> out = new ArrayList<>();
        java.util.Set<Cidr> seen = new java.util.HashSet<>();
        for (Cidr range : ranges) {
            if (seen.add(range)) {
                out.add(new ProhibitedRange(range, RangeDescriptions.describe(range)));
            }
        }
        return List.copyOf(out);
    }

    public AddressClassifier(DestinationRules rules) {
        CidrSet.Builder builder = CidrSet.builder();
        Map<String, String> names = new HashMap<>();
        for (ProhibitedRange prohibitedRange : prohibitedRanges(rules)) {
            Cidr range = prohibitedRange.range();
            String label = range.toString();
            names.putIfAbsent(label, prohibitedRange.description());
            builder.add(range, label);
            if (MAPPED.contains(range)) {
                byte[] v4 = Arrays.copyOfRange(range.network().getAddress(), 12, 16);
                builder.add(Cidr.of(IpAddresses.fromBytes(v4), range.prefixLength() - 96), label);
            }
        }
        prohibited = builder.build();
        descriptions = Map.copyOf(names);

        List<InetSocketAddress> own = List.copyOf(rules.ownAddresses());
        ownAddresses = new byte[own.size()][];
        ownPorts = new int[own.size()];
        for (int i = 0; i < own.size(); i++) {
            InetSocketAddress endpoint = own.get(i);
            if (endpoint.getAddress() == null) {
                throw new IllegalArgumentException("own address " + endpoint + " is unresolved (expected an IP address and port)");
            }
            ownAddresses[i] = unmapped(endpoint.getAddress().getAddress());
            ownPorts[i] = endpoint.getPort();
        }
    }

    /** Allows the address, or refuses it with {@link Reason#PROXY_LOOP} or {@link Reason#DESTINATION_PROHIBITED}. */
    public Decision classify(InetAddress address, int port) {
        byte[] bytes = address.getAddress();
        if (isOwn(bytes, port)) {
            String endpoint = endpoint(bytes, port);
            return Decision.deny(Reason.PROXY_LOOP, "own address " + endpoint, endpoint + " is this proxy's own listening address");
        }
        String text = IpAddresses.toText(bytes);
        String range = prohibited.lookup(bytes);
        if (range != null) {
            String description = descriptions.get(range);
            return Decision.deny(Reason.DESTINATION_PROHIBITED, "deny range " + range + " (" + description + ")",
                    text + " is in a prohibited range (" + range + ", " + description + ")");
        }
        if (bytes.length == 16) {
            for (EmbeddedIpv4 embedded : EmbeddedIpv4.find(bytes)) {
                range = prohibited.lookup(embedded.ipv4());
                if (range != null) {
                    String description = descriptions.get(range);
                    String ipv4 = IpAddresses.toText(embedded.ipv4());
                    return Decision.deny(Reason.DESTINATION_PROHIBITED,
                            "deny range " + range + " (" + description + "), IPv4 embedded in " + embedded.via(),
                            text + " carries " + ipv4 + " (" + embedded.via() + "), which is in a prohibited range ("
                                    + range + ", " + description + ")");
                }
            }
        }
        return Decision.allow(ALLOW_RULE, text + " is not in a prohibited range");
    }

    private boolean isOwn(byte[] bytes, int port) {
        if (ownPorts.length == 0) {
            return false;
        }
        byte[] address = unmapped(bytes);
        for (int i = 0; i < ownPorts.length; i++) {
            if (ownPorts[i] == port && Arrays.equals(ownAddresses[i], address)) {
                return true;
            }
        }
        return false;
    }

    /** The IPv4 form of an IPv4-mapped address (RFC 4291 §2.5.5.2); any other address unchanged. */
    private static byte[] unmapped(byte[] bytes) {
        return bytes.length == 16 && MAPPED.contains(bytes) ? Arrays.copyOfRange(bytes, 12, 16) : bytes;
    }

    private static String endpoint(byte[] bytes, int port) {
        String text = IpAddresses.toText(bytes);
        return bytes.length == 16 ? "[" + text + "]:" + port : text + ":" + port;
    }
}
