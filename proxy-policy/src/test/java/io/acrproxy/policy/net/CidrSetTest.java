package io.acrproxy.policy.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class CidrSetTest {

    private static final CidrSet NESTED = CidrSet.builder()
            .add(Cidr.parse("10.0.0.0/8"), "ten")
            .add(Cidr.parse("10.1.0.0/16"), "ten-one")
            .add(Cidr.parse("10.1.2.0/24"), "ten-one-two")
            .add(Cidr.parse("10.1.2.3/32"), "host")
            .add(Cidr.parse("10.128.0.0/9"), "upper-half")
            .add(Cidr.parse("192.0.2.0/31"), "pair")
            .add(Cidr.parse("2001:db8::/32"), "doc")
            .add(Cidr.parse("2001:db8:1::/48"), "doc-one")
            .add(Cidr.parse("2001:db8:1::1/128"), "doc-host")
            .add(Cidr.parse("2001:db8:1:0:8000::/65"), "doc-65")
            .add(Cidr.parse("fe80::/10"), "link-local")
            .build();

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
            10.0.0.0                 | ten
            10.255.255.255           | upper-half
            10.127.255.255           | ten
            10.128.0.0               | upper-half
            9.255.255.255            | null
            11.0.0.0                 | null
            10.1.0.0                 | ten-one
            10.1.255.255             | ten-one
            10.0.255.255             | ten
            10.2.0.0                 | ten
            10.1.2.0                 | ten-one-two
            10.1.2.2                 | ten-one-two
            10.1.2.3                 | host
            10.1.2.4                 | ten-one-two
            10.1.2.255               | ten-one-two
            10.1.3.0                 | ten-one
            10.1.1.255               | ten-one
            192.0.2.0                | pair
            192.0.2.1                | pair
            192.0.2.2                | null
            192.0.1.255              | null
            2001:db8::               | doc
            2001:db8:ffff:ffff:ffff:ffff:ffff:ffff | doc
            2001:db7:ffff:ffff:ffff:ffff:ffff:ffff | null
            2001:db9::               | null
            2001:db8:1::             | doc-one
            2001:db8:1::1            | doc-host
            2001:db8:1::2            | doc-one
            2001:db8:1:0:7fff:ffff:ffff:ffff | doc-one
            2001:db8:1:0:8000::      | doc-65
            2001:db8:1:0:ffff:ffff:ffff:ffff | doc-65
            2001:db8:1:1::           | doc-one
            2001:db8:2::             | doc
            fe80::1                  | link-local
            febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff | link-local
            fec0::                   | null
            ::                       | null
            ::ffff:10.1.2.3          | host
            """)
    void mostSpecificPrefixWins(String address, String label) {
        InetAddress a = IpAddresses.parse(address);
        assertThat(NESTED.lookup(a)).isEqualTo(label);
        assertThat(NESTED.lookup(a.getAddress())).isEqualTo(label);
        assertThat(NESTED.contains(a)).isEqualTo(label != null);
    }

    @ParameterizedTest(name = "{0}: {1} -> {2}")
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
            0.0.0.0/0          | 0.0.0.0          | all
            0.0.0.0/0          | 255.255.255.255  | all
            0.0.0.0/0          | ::               | null
            ::/0               | ::               | all
            ::/0               | ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff | all
            ::/0               | 0.0.0.0          | null
            255.255.255.255/32 | 255.255.255.255  | all
            255.255.255.255/32 | 255.255.255.254  | null
            0.0.0.0/32         | 0.0.0.0          | all
            0.0.0.0/32         | 0.0.0.1          | null
            ::/128             | ::               | all
            ::/128             | ::1              | null
            ::1/128            | ::1              | all
            ::1/128            | ::              | null
            ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128 | ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff | all
            ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128 | ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe | null
            128.0.0.0/1        | 127.255.255.255  | null
            128.0.0.0/1        | 128.0.0.0        | all
            8000::/1           | 7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff | null
            8000::/1           | 8000::           | all
            """)
    void singlePrefixEdges(String cidr, String address, String label) {
        CidrSet set = CidrSet.of(List.of(Cidr.parse(cidr)), "all");
        assertThat(set.lookup(IpAddresses.parse(address))).isEqualTo(label);
    }

    @Test
    void sixteenBytesAreAlwaysIpv6() {
        CidrSet set = CidrSet.builder().add(Cidr.parse("::ffff:0:0/96"), "mapped").add(Cidr.parse("10.0.0.0/8"), "ten").build();
        assertThat(set.lookup(IpAddresses.parseIpv6("::ffff:10.0.0.1"))).isEqualTo("mapped");
        assertThat(set.lookup(IpAddresses.parse("::ffff:10.0.0.1"))).isEqualTo("ten");
    }

    @Test
    void firstLabelOfADuplicatePrefixWinsAndSizeCountsDistinctPrefixes() {
        CidrSet set = CidrSet.builder()
                .add(Cidr.parse("10.0.0.0/8"), "first")
                .add(Cidr.parse("10.0.0.0/8"), "second")
                .add(Cidr.parseLenient("10.9.9.9/8"), "third")
                .add(Cidr.parse("2001:db8::/32"), "v6")
                .build();
        assertThat(set.size()).isEqualTo(2);
        assertThat(set.lookup(IpAddresses.parse("10.1.1.1"))).isEqualTo("first");
    }

    @Test
    void emptySet() {
        assertThat(CidrSet.EMPTY.size()).isZero();
        assertThat(CidrSet.EMPTY.isEmpty()).isTrue();
        assertThat(CidrSet.EMPTY.lookup(IpAddresses.parse("10.0.0.1"))).isNull();
        assertThat(CidrSet.EMPTY.lookup(IpAddresses.parse("::1"))).isNull();
        assertThat(CidrSet.of(List.of(), "x").isEmpty()).isTrue();
        assertThat(CidrSet.EMPTY.memoryBytes()).isLessThan(100);
    }

    @Test
    void refusesAddressesOfOtherLengths() {
        assertThatThrownBy(() -> NESTED.lookup(new byte[5])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("4 or 16 bytes, got 5");
    }

    static Stream<Arguments> randomSets() {
        return Stream.of(
                Arguments.of(1L, 50, 2_000),
                Arguments.of(2L, 2_000, 5_000),
                Arguments.of(3L, 6_000, 5_000));
    }

    /**
     * Random prefixes clustered under a few top bits (so that they nest and share long paths, as real data does),
     * looked up at random addresses, addresses inside prefixes, and the addresses just inside and just outside
     * the ends of up to 1,000 prefixes; every answer is compared with a linear scan.
     */
    @ParameterizedTest(name = "seed {0}: {1} prefixes, {2} addresses")
    @MethodSource("randomSets")
    void agreesWithALinearScan(long seed, int prefixCount, int addressCount) {
        Random random = new Random(seed);
        List<Cidr> prefixes = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        CidrSet.Builder builder = CidrSet.builder();
        for (int i = 0; i < prefixCount; i++) {
            boolean v4 = random.nextBoolean();
            byte[] bytes = clusteredAddress(random, v4);
            int width = v4 ? 32 : 128;
            int length = random.nextInt(10) == 0 ? random.nextInt(width + 1) : width / 4 + random.nextInt(width - width / 4 + 1);
            Cidr cidr = Cidr.parseLenient(IpAddresses.toText(bytes) + "/" + length);
            prefixes.add(cidr);
            labels.add("p" + i);
            builder.add(cidr, "p" + i);
        }
        CidrSet set = builder.build();

        List<byte[]> probes = new ArrayList<>();
        for (int i = 0; i < addressCount; i++) {
            if (i % 2 == 0) {
                probes.add(clusteredAddress(random, random.nextBoolean()));
            } else {
                Cidr c = prefixes.get(random.nextInt(prefixes.size()));
                byte[] inside = clusteredAddress(random, c.isIpv4());
                byte[] network = c.network().getAddress();
                for (int bit = 0; bit < c.prefixLength(); bit++) {
                    setBit(inside, bit, bitOf(network, bit));
                }
                probes.add(inside);
            }
        }
        for (int i = 0; i < Math.min(prefixes.size(), 1_000); i++) {
            Cidr c = prefixes.get(random.nextInt(prefixes.size()));
            byte[] first = c.network().getAddress();
            byte[] last = c.lastAddress().getAddress();
            probes.add(first);
            probes.add(last);
            probes.add(step(first, -1));
            probes.add(step(last, +1));
        }

        for (byte[] probe : probes) {
            String expected = linearScan(prefixes, labels, probe);
            assertThat(set.lookup(probe)).as(IpAddresses.toText(probe)).isEqualTo(expected);
        }
        System.out.printf("seed %d: %s%n", seed, set);
    }

    private static String linearScan(List<Cidr> prefixes, List<String> labels, byte[] address) {
        String best = null;
        int bestLength = -1;
        for (int i = 0; i < prefixes.size(); i++) {
            Cidr c = prefixes.get(i);
            if (c.contains(address) && c.prefixLength() > bestLength) {
                best = labels.get(i);
                bestLength = c.prefixLength();
            }
        }
        return best;
    }

    private static byte[] clusteredAddress(Random random, boolean v4) {
        byte[] bytes = new byte[v4 ? 4 : 16];
        random.nextBytes(bytes);
        int clusterBytes = v4 ? 1 : 4;
        int cluster = random.nextInt(4);
        for (int i = 0; i < clusterBytes; i++) {
            bytes[i] = (byte) (0x20 + cluster);
        }
        if (random.nextInt(4) == 0) {
            // A few addresses differ only near the end, to exercise long shared paths.
            for (int i = clusterBytes; i < bytes.length - 1; i++) {
                bytes[i] = 0;
            }
        }
        return bytes;
    }

    private static int bitOf(byte[] b, int bit) {
        return (b[bit / 8] >>> (7 - bit % 8)) & 1;
    }

    private static void setBit(byte[] b, int bit, int value) {
        int mask = 1 << (7 - bit % 8);
        b[bit / 8] = (byte) (value == 1 ? b[bit / 8] | mask : b[bit / 8] & ~mask);
    }

    /** The address one above or below, wrapping around at the ends of the family's range. */
    private static byte[] step(byte[] address, int delta) {
        byte[] out = address.clone();
        for (int i = out.length - 1; i >= 0; i--) {
            int v = (out[i] & 0xff) + delta;
            out[i] = (byte) v;
            if (v >= 0 && v <= 255) {
                break;
            }
        }
        return out;
    }
}
