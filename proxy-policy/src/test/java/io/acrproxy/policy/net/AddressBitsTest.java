package io.acrproxy.policy.net;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AddressBitsTest {

    @ParameterizedTest(name = "{0}: {2} bits from {1} = {3}")
    @CsvSource(delimiter = '|', textBlock = """
            10.1.2.3                                | 0   | 8  | 10
            10.1.2.3                                | 8   | 16 | 258
            10.1.2.3                                | 31  | 1  | 1
            10.1.2.3                                | 24  | 8  | 3
            255.255.255.255                         | 16  | 16 | 65535
            2001:db8::                              | 0   | 16 | 8193
            2001:db8::                              | 16  | 16 | 3512
            0:0:0:1:8000::                          | 63  | 2  | 3
            0:0:0:1:8000::                          | 62  | 2  | 1
            0:0:0:1:8000::                          | 56  | 16 | 384
            0:0:0:0:ffff::                          | 60  | 8  | 15
            ::1                                     | 112 | 16 | 1
            ::8000                                  | 112 | 1  | 1
            ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff | 50  | 16 | 65535
            """)
    void extractsBitsAcrossTheWordBoundary(String address, int from, int count, int expected) {
        byte[] bytes = IpAddresses.parse(address).getAddress();
        assertThat(AddressBits.bits(AddressBits.high(bytes), AddressBits.low(bytes), from, count)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} / {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            2001:db8::     | 2001:db8:8000:: | 32
            2001:db8::     | 2001:db8::      | 128
            ::             | 8000::          | 0
            ::1            | ::              | 127
            0:0:0:1::      | 0:0:0:1:8000::  | 64
            """)
    void commonPrefixLength(String a, String b, int expected) {
        byte[] x = IpAddresses.parse(a).getAddress();
        byte[] y = IpAddresses.parse(b).getAddress();
        assertThat(AddressBits.commonPrefixLength(AddressBits.high(x), AddressBits.low(x), AddressBits.high(y),
                AddressBits.low(y), 128)).isEqualTo(expected);
    }
}
