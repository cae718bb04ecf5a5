package io.acrproxy.bench;

import io.acrproxy.policy.net.Cidr;
import io.acrproxy.policy.net.CidrSet;
import io.acrproxy.policy.net.IpAddresses;
import io.acrproxy.policy.servicetag.ServiceTagsFile;
import io.acrproxy.policy.servicetag.ServiceTagsParser;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link CidrSet#lookup} over every prefix of Azure's public service-tags file (52,340 distinct), at a fixed,
 * shuffled array of 4,096 addresses that the benchmark cycles through, so that neither the branch predictor nor
 * the caches see one address over and over.
 *
 * <ul>
 *   <li>{@code mixed}: a quarter each of the following four kinds;</li>
 *   <li>{@code ipv4-in}, {@code ipv6-in}: random addresses inside random prefixes of the file;</li>
 *   <li>{@code ipv4-out}, {@code ipv6-out}: addresses in no prefix, half of them random and half just below or
 *       just above a prefix of the file (near misses, which walk deepest before failing).</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class CidrSetLookupBenchmark {
    private static final int ADDRESSES = 4096;

    @Param({"mixed", "ipv4-in", "ipv6-in", "ipv4-out", "ipv6-out"})
    public String addresses;

    private CidrSet set;
    private InetAddress[] inet;
    private byte[][] bytes;
    private int next;

    @Setup
    public void build() throws IOException {
        ServiceTagsFile file = ServiceTagsParser.parse(ServiceTagsFixture.path());
        set = ServiceTagsFixture.allPrefixes(file);
        List<Cidr> v4 = new ArrayList<>();
        List<Cidr> v6 = new ArrayList<>();
        file.tags().values().forEach(t -> t.addressPrefixes().forEach(p -> (p.isIpv4() ? v4 : v6).add(p)));

        Random random = new Random(20251028);
        List<byte[]> chosen = new ArrayList<>();
        for (int i = 0; i < ADDRESSES; i++) {
            String kind = addresses.equals("mixed") ? List.of("ipv4-in", "ipv6-in", "ipv4-out", "ipv6-out").get(i % 4) : addresses;
            chosen.add(switch (kind) {
                case "ipv4-in" -> inside(random, v4);
                case "ipv6-in" -> inside(random, v6);
                case "ipv4-out" -> outside(random, v4, 4);
                case "ipv6-out" -> outside(random, v6, 16);
                default -> throw new IllegalArgumentException("unknown address kind " + kind);
            });
        }
        Collections.shuffle(chosen, random);
        bytes = chosen.toArray(byte[][]::new);
        inet = chosen.stream().map(IpAddresses::fromBytes).toArray(InetAddress[]::new);
    }

    private byte[] inside(Random random, List<Cidr> prefixes) {
        Cidr prefix = prefixes.get(random.nextInt(prefixes.size()));
        byte[] network = prefix.network().getAddress();
        byte[] noise = new byte[network.length];
        random.nextBytes(noise);
        byte[] address = new byte[network.length];
        for (int bit = 0; bit < network.length * 8; bit++) {
            byte[] from = bit < prefix.prefixLength() ? network : noise;
            if (((from[bit / 8] >>> (7 - bit % 8)) & 1) != 0) {
                address[bit / 8] |= (byte) (1 << (7 - bit % 8));
            }
        }
        if (set.lookup(address) == null) {
            throw new IllegalStateException(IpAddresses.toText(address) + " should be in " + prefix);
        }
        return address;
    }

    private byte[] outside(Random random, List<Cidr> prefixes, int length) {
        while (true) {
            byte[] candidate;
            if (random.nextBoolean()) {
                candidate = new byte[length];
                random.nextBytes(candidate);
            } else {
                Cidr prefix = prefixes.get(random.nextInt(prefixes.size()));
                candidate = random.nextBoolean()
                        ? step(prefix.network().getAddress(), -1)
                        : step(prefix.lastAddress().getAddress(), +1);
            }
            if (set.lookup(candidate) == null) {
                return candidate;
            }
        }
    }

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

    /** The API the proxy calls with resolved addresses; includes the byte[] copy {@code getAddress()} makes. */
    @Benchmark
    public String lookupInetAddress() {
        return set.lookup(inet[next++ & (ADDRESSES - 1)]);
    }

    /** The trie walk alone. */
    @Benchmark
    public String lookupBytes() {
        return set.lookup(bytes[next++ & (ADDRESSES - 1)]);
    }
}
