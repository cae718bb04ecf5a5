package io.acrproxy.policy.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CidrTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            10.0.0.0/8                | 10.0.0.0/8         | true  | 8
            0.0.0.0/0                 | 0.0.0.0/0          | true  | 0
            255.255.255.255/32        | 255.255.255.255/32 | true  | 32
            192.0.2.7                 | 192.0.2.7/32       | true  | 32
            100.64.0.0/10             | 100.64.0.0/10      | true  | 10
            ::/0                      | ::/0               | false | 0
            ::/128                    | ::/128             | false | 128
            ::1                       | ::1/128            | false | 128
            2001:DB8::/32             | 2001:db8::/32      | false | 32
            2001:0db8:0000::/48       | 2001:db8::/48      | false | 48
            fe80::/10                 | fe80::/10          | false | 10
            ::ffff:0:0/96             | ::ffff:0:0/96      | false | 96
            ::ffff:10.0.0.0/104       | ::ffff:a00:0/104   | false | 104
            64:ff9b::/96              | 64:ff9b::/96       | false | 96
            2603:1030:210:802::400/121| 2603:1030:210:802::400/121 | false | 121
            """)
    void parsesAndPrintsCanonically(String input, String canonical, boolean ipv4, int length) {
        Cidr cidr = Cidr.parse(input);
        assertThat(cidr).hasToString(canonical);
        assertThat(cidr.isIpv4()).isEqualTo(ipv4);
        assertThat(cidr.prefixLength()).isEqualTo(length);
        assertThat(Cidr.parse(canonical)).isEqualTo(cidr).hasSameHashCodeAs(cidr);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            10.0.0.1/8          | '"10.0.0.1/8" has host bits set (expected 10.0.0.0/8)'
            192.168.1.1/16      | '"192.168.1.1/16" has host bits set (expected 192.168.0.0/16)'
            2001:db8::1/32      | '"2001:db8::1/32" has host bits set (expected 2001:db8::/32)'
            fe80::1/10          | '"fe80::1/10" has host bits set (expected fe80::/10)'
            10.0.0.0/33         | '"10.0.0.0/33" has an invalid prefix length "33" (expected 0-32 in decimal without leading zeros)'
            10.0.0.0/-1         | '"10.0.0.0/-1" has an invalid prefix length "-1" (expected 0-32'
            10.0.0.0/08         | '"10.0.0.0/08" has an invalid prefix length "08" (expected 0-32'
            10.0.0.0/00         | 'invalid prefix length "00"'
            10.0.0.0/+8         | 'invalid prefix length "+8"'
            10.0.0.0/           | 'invalid prefix length ""'
            10.0.0.0/8/8        | 'invalid prefix length "8/8"'
            10.0.0.0/1000       | 'invalid prefix length "1000"'
            10.0.0.0/ 8         | 'invalid prefix length " 8"'
            2001:db8::/129      | '"2001:db8::/129" has an invalid prefix length "129" (expected 0-128 in decimal'
            2001:db8::/032      | 'invalid prefix length "032"'
            010.0.0.0/8         | '"010.0.0.0/8" is not a CIDR prefix: "010.0.0.0" is not an IP address (expected an IPv4 prefix such as 10.0.0.0/8 or an IPv6 prefix such as 2001:db8::/32)'
            10.0.0/8            | '"10.0.0/8" is not a CIDR prefix: "10.0.0" is not an IP address'
            10/8                | 'is not an IP address'
            0x0a.0.0.0/8        | 'is not an IP address'
            256.0.0.0/8         | 'is not an IP address'
            ' 10.0.0.0/8'       | 'is not an IP address'
            '10.0.0.0/8 '       | 'invalid prefix length "8 "'
            [2001:db8::]/32     | 'is not an IP address'
            2001:db8::%eth0/32  | 'is not an IP address'
            2001:db8:::/32      | 'is not an IP address'
            /8                  | '"/8" is not a CIDR prefix: "" is not an IP address'
            ''                  | '"" is not a CIDR prefix (expected'
            garbage             | '"garbage" is not a CIDR prefix (expected an IPv4 prefix'
            example.com/24      | 'is not an IP address'
            """)
    void rejectsWithAMessageQuotingTheInput(String input, String message) {
        assertThatThrownBy(() -> Cidr.parse(input))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void quotesControlCharactersAndBoundsLongInput() {
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/8\n"))
                .hasMessageContaining("\"10.0.0.0/8\\u000a\"");
        assertThatThrownBy(() -> Cidr.parse("1".repeat(10_000)))
                .hasMessageStartingWith("\"" + "1".repeat(120) + "...\"")
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(300));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            10.0.0.1/8          | 10.0.0.0/8
            192.168.1.200/24    | 192.168.1.0/24
            10.0.0.0/8          | 10.0.0.0/8
            1.2.3.4/0           | 0.0.0.0/0
            2001:db8::1/32      | 2001:db8::/32
            2603:1030:210:802::47f/121 | 2603:1030:210:802::400/121
            """)
    void lenientParsingMasksHostBits(String input, String canonical) {
        assertThat(Cidr.parseLenient(input)).hasToString(canonical);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            10.0.0.0/33 | invalid prefix length
            10.0.0/8    | is not an IP address
            10.0.0.0/08 | invalid prefix length
            """)
    void lenientParsingIsStrictAboutSyntax(String input, String message) {
        assertThatThrownBy(() -> Cidr.parseLenient(input)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }

    @ParameterizedTest(name = "{0} contains {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            10.0.0.0/8         | 10.0.0.0                | true
            10.0.0.0/8         | 10.255.255.255          | true
            10.0.0.0/8         | 9.255.255.255           | false
            10.0.0.0/8         | 11.0.0.0                | false
            100.64.0.0/10      | 100.127.255.255         | true
            100.64.0.0/10      | 100.128.0.0             | false
            0.0.0.0/0          | 255.255.255.255         | true
            192.0.2.7/32       | 192.0.2.7               | true
            192.0.2.7/32       | 192.0.2.6               | false
            ::/0               | 2001:db8::1             | true
            2001:db8::/32      | 2001:db8:ffff:ffff:ffff:ffff:ffff:ffff | true
            2001:db8::/32      | 2001:db9::              | false
            fe80::/10          | febf:ffff::1            | true
            fe80::/10          | fec0::                  | false
            2001:db8::1/128    | 2001:db8::1             | true
            2001:db8::1/128    | 2001:db8::2             | false
            2001:db8::/65      | 2001:db8:0:0:7fff::1    | true
            2001:db8::/65      | 2001:db8:0:0:8000::     | false
            0.0.0.0/0          | ::                      | false
            ::/0               | 0.0.0.0                 | false
            10.0.0.0/8         | ::ffff:10.1.2.3         | true
            ::ffff:0:0/96      | ::ffff:10.1.2.3         | false
            ::/0               | ::ffff:10.1.2.3         | false
            """)
    void containsComparesWithinOneFamily(String cidr, String address, boolean expected) {
        // IpAddresses.parse follows InetAddress.getByAddress: ::ffff:a.b.c.d arrives as an Inet4Address.
        assertThat(Cidr.parse(cidr).contains(IpAddresses.parse(address))).isEqualTo(expected);
    }

    @Test
    void anIpv6PrefixContainsAMappedAddressOnlyWhenItIsHeldAsIpv6() throws Exception {
        InetAddress mapped = Inet6Address.getByAddress(null, IpAddresses.parseIpv6("::ffff:10.1.2.3"), -1);
        assertThat(Cidr.parse("::ffff:0:0/96").contains(mapped)).isTrue();
        assertThat(Cidr.parse("10.0.0.0/8").contains(mapped)).isFalse();
    }

    @ParameterizedTest(name = "{0}: {1} .. {2}")
    @CsvSource(delimiter = '|', textBlock = """
            10.0.0.0/8      | 10.0.0.0      | 10.255.255.255
            0.0.0.0/0       | 0.0.0.0       | 255.255.255.255
            192.0.2.7/32    | 192.0.2.7     | 192.0.2.7
            fe80::/10       | fe80::        | febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff
            ::ffff:0:0/96   | ::ffff:0:0    | ::ffff:ffff:ffff
            """)
    void networkAndLastAddress(String cidr, String first, String last) {
        Cidr c = Cidr.parse(cidr);
        assertThat(IpAddresses.toText(c.network())).isEqualTo(first);
        assertThat(IpAddresses.toText(c.lastAddress())).isEqualTo(last);
        assertThat(c.network()).isInstanceOf(c.isIpv4() ? java.net.Inet4Address.class : Inet6Address.class);
    }

    @Test
    void ofBuildsFromAnAddressAndRefusesHostBits() {
        assertThat(Cidr.of(IpAddresses.parse("10.0.0.0"), 8)).isEqualTo(Cidr.parse("10.0.0.0/8"));
        assertThat(Cidr.of(IpAddresses.parse("2001:db8::"), 32)).isEqualTo(Cidr.parse("2001:db8::/32"));
        assertThatThrownBy(() -> Cidr.of(IpAddresses.parse("10.0.0.1"), 8))
                .hasMessage("10.0.0.1/8 has host bits set (expected 10.0.0.0/8)");
        assertThatThrownBy(() -> Cidr.of(IpAddresses.parse("10.0.0.0"), 33))
                .hasMessageContaining("out of range");
        assertThatThrownBy(() -> Cidr.of(IpAddresses.parse("::"), -1))
                .hasMessageContaining("out of range");
    }

    @Test
    void containsCidr() {
        Cidr ten = Cidr.parse("10.0.0.0/8");
        assertThat(ten.contains(Cidr.parse("10.1.0.0/16"))).isTrue();
        assertThat(ten.contains(ten)).isTrue();
        assertThat(ten.contains(Cidr.parse("0.0.0.0/0"))).isFalse();
        assertThat(ten.contains(Cidr.parse("11.0.0.0/16"))).isFalse();
        assertThat(Cidr.parse("::/0").contains(ten)).isFalse();
    }

    @Test
    void familiesAreNotEqual() {
        assertThat(Cidr.parse("0.0.0.0/0")).isNotEqualTo(Cidr.parse("::/0"));
        assertThat(Cidr.parse("0.0.0.0/32")).isNotEqualTo(Cidr.parse("::/32"));
    }
}
