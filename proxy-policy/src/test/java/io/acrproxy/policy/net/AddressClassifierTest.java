package io.acrproxy.policy.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.acrproxy.policy.Decision;
import io.acrproxy.policy.Reason;
import io.acrproxy.policy.Verdict;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class AddressClassifierTest {
    private static final String ALLOWED = "destination filter";
    private static final AddressClassifier DEFAULTS = new AddressClassifier(DestinationRules.defaults());

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            20.1.2.3                    | destination filter
            8.8.8.8                     | destination filter
            2603:1030::1                | destination filter
            2a01:111:f100::1            | destination filter
            169.254.169.254             | deny range 169.254.0.0/16 (link-local)
            ::ffff:169.254.169.254      | deny range 169.254.0.0/16 (link-local)
            127.0.0.1                   | deny range 127.0.0.0/8 (loopback)
            0.0.0.0                     | deny range 0.0.0.0/8 (this network)
            224.0.0.251                 | deny range 224.0.0.0/4 (multicast)
            250.1.2.3                   | deny range 240.0.0.0/4 (reserved)
            255.255.255.255             | deny range 255.255.255.255/32 (broadcast)
            255.255.255.254             | deny range 240.0.0.0/4 (reserved)
            ::                          | deny range ::/128 (unspecified)
            ::1                         | deny range ::1/128 (IPv6 loopback)
            fe80::1                     | deny range fe80::/10 (IPv6 link-local)
            ff02::1                     | deny range ff00::/8 (IPv6 multicast)
            100.63.255.255              | destination filter
            100.64.0.0                  | deny range 100.64.0.0/10 (CGNAT shared address space RFC 6598)
            100.127.255.255             | deny range 100.64.0.0/10 (CGNAT shared address space RFC 6598)
            100.128.0.0                 | destination filter
            168.63.129.16               | deny range 168.63.129.16/32 (Azure platform address)
            168.63.129.15               | destination filter
            168.63.129.17               | destination filter
            ::ffff:168.63.129.16        | deny range 168.63.129.16/32 (Azure platform address)
            64:ff9b::a9fe:a9fe          | deny range 169.254.0.0/16 (link-local), IPv4 embedded in NAT64 64:ff9b::/96
            64:ff9b::169.254.169.254    | deny range 169.254.0.0/16 (link-local), IPv4 embedded in NAT64 64:ff9b::/96
            64:ff9b::a83f:8110          | deny range 168.63.129.16/32 (Azure platform address), IPv4 embedded in NAT64 64:ff9b::/96
            64:ff9b::7f00:1             | deny range 127.0.0.0/8 (loopback), IPv4 embedded in NAT64 64:ff9b::/96
            64:ff9b::1401:203           | destination filter
            64:ff9b::1:a9fe:a9fe        | destination filter
            64:ff9b:1::a9fe:a9fe        | deny range 169.254.0.0/16 (link-local), IPv4 embedded in local-use NAT64 64:ff9b:1::/48
            64:ff9b:1:abcd::7f00:1      | deny range 127.0.0.0/8 (loopback), IPv4 embedded in local-use NAT64 64:ff9b:1::/48
            64:ff9b:1:abcd::1401:203    | destination filter
            2002:a9fe:a9fe::1           | deny range 169.254.0.0/16 (link-local), IPv4 embedded in 6to4 2002::/16
            2002:7f00:1::               | deny range 127.0.0.0/8 (loopback), IPv4 embedded in 6to4 2002::/16
            2002:a83f:8110:1::1         | deny range 168.63.129.16/32 (Azure platform address), IPv4 embedded in 6to4 2002::/16
            2002:1401:203::1            | destination filter
            2001:0:a9fe:a9fe::ebfe:fdfc | deny range 169.254.0.0/16 (link-local), IPv4 embedded in Teredo 2001::/32 (server)
            2001:0:1401:203::80ff:fffe  | deny range 127.0.0.0/8 (loopback), IPv4 embedded in Teredo 2001::/32 (client, obfuscated)
            2001:0:1401:203::57c0:7eef  | deny range 168.63.129.16/32 (Azure platform address), IPv4 embedded in Teredo 2001::/32 (client, obfuscated)
            2001:0:1401:203::ebfe:fdfc  | destination filter
            2001:0:4136:e378:8000:63bf:3fff:fdd2 | destination filter
            2001:1::a9fe:a9fe           | destination filter
            ::a9fe:a9fe                 | deny range 169.254.0.0/16 (link-local), IPv4 embedded in IPv4-compatible ::/96
            ::127.0.0.1                 | deny range 127.0.0.0/8 (loopback), IPv4 embedded in IPv4-compatible ::/96
            ::2                         | deny range 0.0.0.0/8 (this network), IPv4 embedded in IPv4-compatible ::/96
            ::1401:203                  | destination filter
            ::ffff:0:a9fe:a9fe          | destination filter
            """)
    void defaultRules(String address, String rule) {
        assertRule(DEFAULTS.classify(IpAddresses.parse(address), 443), rule);
    }

    @Test
    void explainsInTheMessage() {
        assertThat(DEFAULTS.classify(IpAddresses.parse("169.254.169.254"), 443).message())
                .isEqualTo("169.254.169.254 is in a prohibited range (169.254.0.0/16, link-local)");
        assertThat(DEFAULTS.classify(IpAddresses.parse("64:ff9b::a9fe:a9fe"), 443).message())
                .isEqualTo("64:ff9b::a9fe:a9fe carries 169.254.169.254 (NAT64 64:ff9b::/96), which is in a prohibited range"
                        + " (169.254.0.0/16, link-local)");
        assertThat(DEFAULTS.classify(IpAddresses.parse("2001:0:1401:203::80ff:fffe"), 443).message())
                .isEqualTo("2001:0:1401:203::80ff:fffe carries 127.0.0.1 (Teredo 2001::/32 (client, obfuscated)), which is"
                        + " in a prohibited range (127.0.0.0/8, loopback)");
        Decision allowed = DEFAULTS.classify(IpAddresses.parse("2603:1030::1"), 443);
        assertThat(allowed.verdict()).isEqualTo(Verdict.ALLOW);
        assertThat(allowed.reason()).isEqualTo(Reason.ALLOWED);
        assertThat(allowed.message()).isEqualTo("2603:1030::1 is not in a prohibited range");
    }

    @Test
    void anIpv4MappedAddressHeldAsIpv6IsJudgedByItsIpv4Address() {
        assertRule(DEFAULTS.classify(mappedIpv6("169.254.169.254"), 443),
                "deny range 169.254.0.0/16 (link-local), IPv4 embedded in IPv4-mapped ::ffff:0:0/96");
        assertRule(DEFAULTS.classify(mappedIpv6("168.63.129.16"), 443),
                "deny range 168.63.129.16/32 (Azure platform address), IPv4 embedded in IPv4-mapped ::ffff:0:0/96");
        assertRule(DEFAULTS.classify(mappedIpv6("20.1.2.3"), 443), ALLOWED);
    }

    static Stream<Arguments> defaultRangeEnds() {
        return DestinationRules.DEFAULT_DENY_RANGE_TEXTS.stream().map(Cidr::parse).flatMap(c -> Stream.of(
                Arguments.of(c, IpAddresses.toText(c.network())),
                Arguments.of(c, IpAddresses.toText(c.lastAddress()))));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("defaultRangeEnds")
    void firstAndLastAddressOfEachDefaultRangeAreDenied(Cidr range, String address) {
        Decision d = DEFAULTS.classify(IpAddresses.parse(address), 443);
        assertThat(d.reason()).isEqualTo(Reason.DESTINATION_PROHIBITED);
        // The range itself, or a more specific one inside it (255.255.255.255/32 within 240.0.0.0/4).
        String matched = d.rule().substring("deny range ".length(), d.rule().indexOf(" ("));
        assertThat(range.contains(Cidr.parse(matched))).as(d.rule()).isTrue();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            255.255.255.255         | broadcast
            0.0.0.0                 | this network
            100.64.0.0              | CGNAT shared address space RFC 6598
            240.0.0.0               | reserved
            ff00::                  | IPv6 multicast
            """)
    void everyDefaultRangeHasADescription(String address, String description) {
        assertThat(DEFAULTS.classify(IpAddresses.parse(address), 443).rule()).endsWith("(" + description + ")");
    }

    @ParameterizedTest(name = "{0}, allowPrivate={1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            10.1.2.3        | true  | destination filter
            10.1.2.3        | false | deny range 10.0.0.0/8 (private RFC 1918)
            172.16.0.1      | true  | destination filter
            172.16.0.1      | false | deny range 172.16.0.0/12 (private RFC 1918)
            172.31.255.255  | false | deny range 172.16.0.0/12 (private RFC 1918)
            172.32.0.0      | false | destination filter
            172.15.255.255  | false | destination filter
            192.168.1.1     | true  | destination filter
            192.168.1.1     | false | deny range 192.168.0.0/16 (private RFC 1918)
            fd00::1         | true  | destination filter
            fd00::1         | false | deny range fc00::/7 (unique local RFC 4193)
            fc00::          | false | deny range fc00::/7 (unique local RFC 4193)
            fe00::          | false | destination filter
            64:ff9b::a00:1  | true  | destination filter
            64:ff9b::a00:1  | false | deny range 10.0.0.0/8 (private RFC 1918), IPv4 embedded in NAT64 64:ff9b::/96
            169.254.169.254 | true  | deny range 169.254.0.0/16 (link-local)
            20.1.2.3        | false | destination filter
            """)
    void allowPrivate(String address, boolean allowPrivate, String rule) {
        AddressClassifier classifier = new AddressClassifier(
                new DestinationRules(DestinationRules.defaultDenyRanges(), allowPrivate, Set.of()));
        assertRule(classifier.classify(IpAddresses.parse(address), 443), rule);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            203.0.113.5             | deny range 203.0.113.0/24 (configured)
            203.0.114.0             | destination filter
            2001:db8::1             | deny range 2001:db8::/32 (configured)
            169.254.169.254         | deny range 169.254.0.0/16 (link-local)
            127.0.0.1               | destination filter
            ::1                     | destination filter
            100.64.0.1              | destination filter
            168.63.129.16           | deny range 168.63.129.16/32 (Azure platform address)
            ::ffff:168.63.129.16    | deny range 168.63.129.16/32 (Azure platform address)
            64:ff9b::a83f:8110      | deny range 168.63.129.16/32 (Azure platform address), IPv4 embedded in NAT64 64:ff9b::/96
            2002:cb00:7105::1       | deny range 203.0.113.0/24 (configured), IPv4 embedded in 6to4 2002::/16
            10.1.2.3                | deny range ::ffff:a00:0/104 (configured)
            ::ffff:10.1.2.3         | deny range ::ffff:a00:0/104 (configured)
            11.1.2.3                | destination filter
            """)
    void anExplicitListReplacesTheDefaultButNotThePlatformAddress(String address, String rule) {
        List<Cidr> explicit = List.of(Cidr.parse("203.0.113.0/24"), Cidr.parse("2001:db8::/32"),
                Cidr.parse("169.254.0.0/16"), Cidr.parse("::ffff:10.0.0.0/104"));
        AddressClassifier classifier = new AddressClassifier(new DestinationRules(explicit, true, Set.of()));
        assertRule(classifier.classify(IpAddresses.parse(address), 443), rule);
    }

    @Test
    void anEmptyListStillDeniesThePlatformAddress() {
        AddressClassifier classifier = new AddressClassifier(new DestinationRules(List.of(), true, Set.of()));
        assertRule(classifier.classify(IpAddresses.parse("168.63.129.16"), 443),
                "deny range 168.63.129.16/32 (Azure platform address)");
        assertRule(classifier.classify(IpAddresses.parse("127.0.0.1"), 443), ALLOWED);
    }

    @ParameterizedTest(name = "{0} port {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            20.1.2.3        | 3128 | own address 20.1.2.3:3128
            20.1.2.3        | 443  | destination filter
            20.1.2.4        | 3128 | destination filter
            ::ffff:20.1.2.3 | 3128 | own address 20.1.2.3:3128
            2603:1030::5    | 3128 | own address [2603:1030::5]:3128
            2603:1030::5    | 3129 | destination filter
            20.9.9.9        | 8080 | own address 20.9.9.9:8080
            127.0.0.1       | 3128 | own address 127.0.0.1:3128
            127.0.0.1       | 443  | deny range 127.0.0.0/8 (loopback)
            """)
    void proxyLoop(String address, int port, String rule) throws UnknownHostException {
        Set<InetSocketAddress> own = Set.of(
                new InetSocketAddress(IpAddresses.parse("20.1.2.3"), 3128),
                new InetSocketAddress(IpAddresses.parse("2603:1030::5"), 3128),
                new InetSocketAddress(mappedIpv6("20.9.9.9"), 8080),
                new InetSocketAddress(IpAddresses.parse("127.0.0.1"), 3128));
        AddressClassifier classifier = new AddressClassifier(DestinationRules.defaults().withOwnAddresses(own));
        Decision d = classifier.classify(IpAddresses.parse(address), port);
        assertThat(d.rule()).isEqualTo(rule);
        if (rule.startsWith("own address")) {
            assertThat(d.reason()).isEqualTo(Reason.PROXY_LOOP);
            assertThat(d.message()).endsWith(" is this proxy's own listening address");
        }
        assertThat(classifier.classify(mappedIpv6("20.1.2.3"), 3128).reason()).isEqualTo(Reason.PROXY_LOOP);
    }

    @Test
    void refusesUnresolvedOwnAddresses() {
        DestinationRules rules = DestinationRules.defaults()
                .withOwnAddresses(Set.of(InetSocketAddress.createUnresolved("proxy.example", 3128)));
        assertThatThrownBy(() -> new AddressClassifier(rules))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is unresolved");
    }

    private static void assertRule(Decision d, String rule) {
        assertThat(d.rule()).isEqualTo(rule);
        if (rule.equals(ALLOWED)) {
            assertThat(d.verdict()).isEqualTo(Verdict.ALLOW);
        } else {
            assertThat(d.verdict()).isEqualTo(Verdict.DENY);
            assertThat(d.reason()).isEqualTo(Reason.DESTINATION_PROHIBITED);
        }
    }

    private static InetAddress mappedIpv6(String ipv4) {
        try {
            return Inet6Address.getByAddress(null, IpAddresses.parseIpv6("::ffff:" + ipv4), -1);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
