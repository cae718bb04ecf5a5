package io.acrproxy.policy.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet4Address;
import java.net.Inet6Address;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AuthorityTest {

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', textBlock = """
            myreg.azurecr.io:443            | myreg.azurecr.io   | 443   | myreg.azurecr.io:443
            MYREG.AzureCR.io.:443           | myreg.azurecr.io   | 443   | myreg.azurecr.io:443
            a.io:1                          | a.io               | 1     | a.io:1
            a.io:65535                      | a.io               | 65535 | a.io:65535
            xn--bcher-kva.example:443       | xn--bcher-kva.example | 443 | xn--bcher-kva.example:443
            _svc.example.com:443            | _svc.example.com   | 443   | _svc.example.com:443
            """)
    void parsesNames(String raw, String host, int port, String canonical) {
        Authority a = Authority.parse(raw);
        assertThat(a.host()).isInstanceOf(HostName.class);
        assertThat(a.host().text()).isEqualTo(host);
        assertThat(a.port()).isEqualTo(port);
        assertThat(a.isIpLiteral()).isFalse();
        assertThat(a).hasToString(canonical);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', textBlock = """
            20.1.2.3:443                    | 20.1.2.3           | false
            0.0.0.0:443                     | 0.0.0.0            | false
            255.255.255.255:443             | 255.255.255.255    | false
            [2603:1030::1]:443              | 2603:1030::1       | true
            [::1]:443                       | ::1                | true
            [::]:443                        | ::                 | true
            [::ffff:169.254.169.254]:443    | ::ffff:169.254.169.254 | false
            [1:2:3:4:5:6:7:8]:443           | 1:2:3:4:5:6:7:8    | true
            [64:ff9b::169.254.169.254]:443  | 64:ff9b::169.254.169.254 | true
            """)
    void parsesIpLiterals(String raw, String text, boolean v6) {
        Authority a = Authority.parse(raw);
        assertThat(a.host()).isInstanceOf(IpLiteral.class);
        IpLiteral ip = (IpLiteral) a.host();
        assertThat(ip.text()).isEqualTo(text);
        // The JDK represents ::ffff:a.b.c.d as the IPv4 address itself.
        assertThat(ip.address()).isInstanceOf(v6 ? Inet6Address.class : Inet4Address.class);
        assertThat(a.port()).isEqualTo(443);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            ''                               | is empty
            'myreg.azurecr.io'               | has no port
            'myreg.azurecr.io:'              | has an empty port
            'myreg.azurecr.io:0'             | leading zero or port 0
            'myreg.azurecr.io:0443'          | leading zero or port 0
            'myreg.azurecr.io:65536'         | above 65535
            'myreg.azurecr.io:99999999999'   | above 65535
            'myreg.azurecr.io:+443'          | not a decimal number
            'myreg.azurecr.io:-443'          | not a decimal number
            'myreg.azurecr.io:44a'           | not a decimal number
            'myreg.azurecr.io:0x1bb'         | leading zero or port 0
            'myreg.azurecr.io:443abc'        | not a decimal number
            'myreg.azurecr.io:443:443'       | more than one ':'
            'myreg.azurecr.io:443/'          | contains a path
            'myreg.azurecr.io:443/v2/'       | contains a path
            'myreg.azurecr.io:443?x'         | query or fragment
            'myreg.azurecr.io:443#x'         | query or fragment
            ':443'                           | has no host
            'user@myreg.azurecr.io:443'      | userinfo
            'user:pw@myreg.azurecr.io:443'   | userinfo
            'https://myreg.azurecr.io:443'   | contains a scheme
            '[myreg.azurecr.io]:443'         | brackets around something that is not an IPv6
            '[127.0.0.1]:443'                | brackets around something that is not an IPv6
            '[::1]'                          | has no port
            '[::1]443'                       | has no port
            '[::1:443'                       | without ']'
            '::1:443'                        | more than one ':'
            '2603:1030::1:443'               | more than one ':'
            '[fe80::1%eth0]:443'             | percent-escape or zone
            'my%2ereg.azurecr.io:443'        | percent-escape
            '2130706433:443'                 | looks like a number
            '0x7f000001:443'                 | looks like a number
            '0177.0.0.1:443'                 | looks like a number
            '127.1:443'                      | looks like a number
            '127.000.000.001:443'            | looks like a number
            '256.0.0.1:443'                  | looks like a number
            'my reg.azurecr.io:443'          | whitespace
            ' myreg.azurecr.io:443'          | whitespace
            'myreg.azurecr.io..:443'         | empty label
            '.myreg.azurecr.io:443'          | empty label
            'myrég.azurecr.io:443'           | non-ASCII
            """)
    void rejectsMalformedTargets(String raw, String problem) {
        assertThatThrownBy(() -> Authority.parse(raw))
                .isInstanceOf(InvalidHostException.class)
                .hasMessageContaining(problem);
    }

    @org.junit.jupiter.api.Test
    void rejectsNulAndControlBytes() {
        assertThatThrownBy(() -> Authority.parse("myreg.azurecr.io\u0000.evil.com:443")).hasMessageContaining("control");
        assertThatThrownBy(() -> Authority.parse("myreg.azurecr.io:443\r\n")).hasMessageContaining("control");
    }

    @org.junit.jupiter.api.Test
    void boundaryNameLengths() {
        String label64 = "a".repeat(64);
        assertThatThrownBy(() -> Authority.parse(label64 + ".io:443")).hasMessageContaining("label longer than 63");
        String name254 = String.join(".", "a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(62));
        assertThatThrownBy(() -> Authority.parse(name254 + ":443")).hasMessageContaining("longer than 253");
    }
}
