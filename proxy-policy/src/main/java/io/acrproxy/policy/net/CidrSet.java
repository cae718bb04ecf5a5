package io.acrproxy.policy.net;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable set of IPv4 and IPv6 prefixes, each with a label, answering "which is the most specific prefix
 * containing this address?" in time bounded by the address length, not by the number of prefixes (design §6.4).
 * Safe to share between threads once built.
 *
 * <p>Each family has its own {@link PrefixTrie}: a path-compressed multibit trie whose root is a direct-indexed
 * first stride. {@link #toString()} reports node counts, table entries and array sizes. With every prefix of
 * Azure's public service-tags file of 2025-10-28 (93,362 listed, 52,340 distinct) the IPv4 trie has a 16-bit root
 * stride, 23,733 nodes and 187,510 table entries, the IPv6 trie a 14-bit root stride, 6,663 nodes and 113,616
 * table entries: about 3.3 MB of arrays (printed by {@code RealServiceTagsFileTest}).
 *
 * <p>Lookups follow {@link Cidr#contains(InetAddress)}: IPv4 prefixes match 4-byte addresses and IPv6 prefixes
 * 16-byte ones (the JDK hands IPv4-mapped IPv6 addresses over as IPv4).
 */
public final class CidrSet {
    public static final CidrSet EMPTY = builder().build();

    private final String[] labels;
    private final PrefixTrie ipv4;
    private final PrefixTrie ipv6;
    private final int size;

    private CidrSet(String[] labels, PrefixTrie ipv4, PrefixTrie ipv6, int size) {
        this.labels = labels;
        this.ipv4 = ipv4;
        this.ipv6 = ipv6;
        this.size = size;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A set of the given prefixes, all with the same label. */
    public static CidrSet of(Collection<Cidr> prefixes, String label) {
        Builder builder = builder();
        for (Cidr cidr : prefixes) {
            builder.add(cidr, label);
        }
        return builder.build();
    }

    /**
     * The label of the most specific prefix containing the address, or {@code null} when none does.
     * Families are compared strictly, as {@link Cidr#contains(InetAddress)} does.
     */
    public String lookup(InetAddress address) {
        return lookup(address.getAddress());
    }

    /**
     * The label of the most specific prefix containing the address given as 4 (IPv4) or 16 (IPv6) bytes, or
     * {@code null}. Sixteen bytes are always looked up as IPv6, also when they are IPv4-mapped.
     *
     * @throws IllegalArgumentException when the array is neither 4 nor 16 bytes long
     */
    public String lookup(byte[] address) {
        int found;
        if (address.length == 4) {
            found = ipv4.find(AddressBits.high(address), 0L);
        } else if (address.length == 16) {
            found = ipv6.find(AddressBits.high(address), AddressBits.low(address));
        } else {
            throw new IllegalArgumentException("address must be 4 or 16 bytes, got " + address.length);
        }
        return found < 0 ? null : labels[found];
    }

    public boolean contains(InetAddress address) {
        return lookup(address) != null;
    }

    public boolean contains(byte[] address) {
        return lookup(address) != null;
    }

    /** The number of distinct prefixes. */
    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size() == 0;
    }

    /** Trie nodes of both families, for capacity reports. */
    public int nodeCount() {
        return ipv4.nodeCount() + ipv6.nodeCount();
    }

    /** Approximate bytes held by the lookup arrays of both families (labels not counted). */
    public long memoryBytes() {
        return ipv4.memoryBytes() + ipv6.memoryBytes();
    }

    @Override
    public String toString() {
        return "CidrSet[" + size + " prefixes, IPv4: " + describe(ipv4) + ", IPv6: " + describe(ipv6) + ", ~"
                + memoryBytes() / 1024 + " KiB]";
    }

    private static String describe(PrefixTrie trie) {
        return trie.nodeCount() + " nodes, " + trie.tableEntries() + " table entries, " + trie.rootStride() + "-bit root stride";
    }

    /**
     * Collects prefixes and labels. A prefix added more than once keeps the label it was first added with, so
     * the order of {@code add} calls decides between labels of equal prefixes.
     */
    public static final class Builder {
        private final Map<Cidr, String> entries = new LinkedHashMap<>();

        private Builder() {
        }

        public Builder add(Cidr cidr, String label) {
            Objects.requireNonNull(cidr, "cidr");
            Objects.requireNonNull(label, "label");
            entries.putIfAbsent(cidr, label);
            return this;
        }

        public CidrSet build() {
            Map<String, Integer> labelIndex = new HashMap<>();
            List<String> labels = new ArrayList<>();
            PrefixTrie.Builder v4 = new PrefixTrie.Builder(32);
            PrefixTrie.Builder v6 = new PrefixTrie.Builder(128);
            for (Map.Entry<Cidr, String> e : entries.entrySet()) {
                Cidr cidr = e.getKey();
                int index = labelIndex.computeIfAbsent(e.getValue(), l -> {
                    labels.add(l);
                    return labels.size() - 1;
                });
                (cidr.isIpv4() ? v4 : v6).add(cidr.high(), cidr.low(), cidr.prefixLength(), index);
            }
            return new CidrSet(labels.toArray(String[]::new), v4.build(), v6.build(), entries.size());
        }
    }
}
