package io.acrproxy.policy.net;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpAddressesTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            0.0.0.0                                 | 0.0.0.0
            255.255.255.255                         | 255.255.255.255
            ::                                      | ::
            ::1                                     | ::1
            1::                                     | 1::
            2001:DB8::1                             | 2001:db8::1
            2001:0db8:0000:0000:0000:0000:0000:0001 | 2001:db8::1
            2001:db8:0:1:1:1:1:1                    | 2001:db8:0:1:1:1:1:1
            2001:db8:0:0:1:0:0:1                    | 2001:db8::1:0:0:1
            2001:0:0:1:0:0:0:1                      | 2001:0:0:1::1
            ::ffff:192.0.2.1                        | ::ffff:c000:201
            64:ff9b::169.254.169.254                | 64:ff9b::a9fe:a9fe
            fe80:0:0:0:0:0:0:0                      | fe80::
            1:2:3:4:5:6:7:8                         | 1:2:3:4:5:6:7:8
            """)
    void formatsCanonicallyPerRfc5952(String input, String canonical) {
        byte[] bytes = input.indexOf(':') >= 0 ? IpAddresses.parseIpv6(input) : IpAddresses.parseIpv4(input);
        assertThat(IpAddresses.toText(bytes)).isEqualTo(canonical);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "\uFF12001:db8::1", // fullwidth digit two
            "2001:db8::\uFF21", // fullwidth A
            "2001:db8::\u0661", // Arabic-Indic digit one
            "2001:db8::g",
            "2001:db8:::1",
            "1:2:3:4:5:6:7:8:9",
            "2001:db8::1%eth0",
            "[2001:db8::1]",
            "12345::1",
    })
    void rejectsNonAsciiAndMalformedIpv6(String input) {
        assertThat(IpAddresses.parseIpv6(input)).isNull();
    }
}
