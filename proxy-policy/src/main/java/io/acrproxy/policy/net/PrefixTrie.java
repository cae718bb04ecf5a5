package io.acrproxy.policy.net;

import java.util.Arrays;

/**
 * Longest-prefix match for one address family: a path-compressed multibit trie in primitive arrays. Immutable
 * once built.
 *
 * <p>Each node covers the addresses that start with its prefix ({@code pos} bits) and may carry the label of a
 * prefix of exactly that length. Below it, a table indexed directly by the next {@code k} address bits holds,
 * per entry, the label of the most specific prefix of length {@code pos+1 .. pos+k} covering the entry
 * (controlled prefix expansion) and the child node for the longer prefixes. A child starts where its prefixes
 * stop sharing bits, so runs of bits that no prefix branches on cost nothing (path compression).
 *
 * <p>{@code k} is the bit length of the number of prefixes below the node (at most 16), so the root of a large set
 * is a direct-indexed first stride of up to 64K entries, inner nodes shrink with their subtrees, and the tables
 * hold at most two entries per prefix per level. A lookup reads one node and one table entry per level and each
 * level consumes at least one bit, so its cost is bounded by the address length, whatever the number of prefixes.
 *
 * <p>Why not a binary trie: a lookup is a chain of dependent loads. A path-compressed binary trie (one bit per
 * step) needed 22 steps on average for an IPv6 address inside Azure's service-tag prefixes and measured about
 * 240 ns; this layout needs a few levels and about 100 ns. A fan-out of {@code log2(n)} instead of
 * {@code log2(n) + 1} saved 20% of the memory but cost a third more time for IPv6 lookups; {@code log2(n) + 2}
 * cost 37% more memory and gained nothing measurable.
 *
 * <pre>
 * nodes, 4 longs per node: [prefix high 64 bits] [prefix low 64 bits] [label+1 (32) | k (8) | pos (8)] [table base]
 * table, 1 long per entry: [child node or -1 (32) | label+1 (32)]
 * </pre>
 */
final class PrefixTrie {
    private static final int MAX_STRIDE = 16;
    private static final int NONE = -1;

    private final long[] nodes;
    private final long[] table;

    private PrefixTrie(long[] nodes, long[] table) {
        this.nodes = nodes;
        this.table = table;
    }

    /** The label index of the most specific prefix containing the address, or -1. */
    int find(long addrHigh, long addrLow) {
        int best = NONE;
        int node = 0;
        while (true) {
            int at = 4 * node;
            long meta = nodes[at + 2];
            int pos = (int) meta & 0xff;
            if (!AddressBits.samePrefix(addrHigh, addrLow, nodes[at], nodes[at + 1], pos)) {
                return best;
            }
            int label = (int) (meta >>> 32);
            if (label != 0) {
                best = label - 1;
            }
            int k = (int) (meta >>> 8) & 0xff;
            if (k == 0) {
                return best;
            }
            long entry = table[(int) nodes[at + 3] + AddressBits.bits(addrHigh, addrLow, pos, k)];
            int expanded = (int) entry;
            if (expanded != 0) {
                best = expanded - 1;
            }
            node = (int) (entry >>> 32);
            if (node == NONE) {
                return best;
            }
        }
    }

    int nodeCount() {
        return nodes.length / 4;
    }

    int tableEntries() {
        return table.length;
    }

    /** The root's stride: how many leading bits the first table lookup consumes. */
    int rootStride() {
        return (int) (nodes[2] >>> 8) & 0xff;
    }

    /** Bytes held by the arrays (object headers aside). */
    long memoryBytes() {
        return 8L * nodes.length + 8L * table.length;
    }

    /** Collects prefixes of one family; prefixes must be distinct and have no host bits set. */
    static final class Builder {
        private final int width;
        private long[] high = new long[16];
        private long[] low = new long[16];
        private int[] length = new int[16];
        private int[] label = new int[16];
        private int count;

        private long[] outNodes;
        private int nodeCount;
        private long[] outTable;
        private int tableSize;

        /** @param width 32 or 128 */
        Builder(int width) {
            this.width = width;
        }

        void add(long pHigh, long pLow, int len, int labelIndex) {
            if (count == length.length) {
                high = Arrays.copyOf(high, count * 2);
                low = Arrays.copyOf(low, count * 2);
                length = Arrays.copyOf(length, count * 2);
                label = Arrays.copyOf(label, count * 2);
            }
            high[count] = pHigh;
            low[count] = pLow;
            length[count] = len;
            label[count] = labelIndex;
            count++;
        }

        PrefixTrie build() {
            // Address order, shorter first on equal bits: each subtree is then one contiguous run, and a prefix
            // comes before the prefixes inside it.
            Integer[] boxed = new Integer[count];
            for (int i = 0; i < count; i++) {
                boxed[i] = i;
            }
            Arrays.sort(boxed, (a, b) -> {
                int c = Long.compareUnsigned(high[a], high[b]);
                if (c == 0) {
                    c = Long.compareUnsigned(low[a], low[b]);
                }
                return c != 0 ? c : Integer.compare(length[a], length[b]);
            });
            int[] sorted = new int[count];
            for (int i = 0; i < count; i++) {
                sorted[i] = boxed[i];
            }
            outNodes = new long[4 * Math.max(1, count)];
            outTable = new long[Math.max(16, 2 * count)];
            buildNode(sorted, 0, count, 0);
            return new PrefixTrie(Arrays.copyOf(outNodes, 4 * nodeCount), Arrays.copyOf(outTable, tableSize));
        }

        /**
         * Builds the node for {@code sorted[from, to)}, prefixes that all share their first {@code shared} bits,
         * and returns its index.
         */
        private int buildNode(int[] sorted, int from, int to, int shared) {
            int pos = shared;
            if (to > from) {
                int first = sorted[from];
                int last = sorted[to - 1];
                pos = AddressBits.commonPrefixLength(high[first], low[first], high[last], low[last], width);
                for (int i = from; i < to; i++) {
                    pos = Math.min(pos, length[sorted[i]]);
                }
            }
            int node = nodeCount++;
            if (4 * nodeCount > outNodes.length) {
                outNodes = Arrays.copyOf(outNodes, outNodes.length * 2);
            }
            int start = from;
            long ownLabel = 0;
            if (start < to && length[sorted[start]] == pos) {
                ownLabel = label[sorted[start]] + 1L;
                start++;
            }
            int rest = to - start;
            int k = rest == 0 ? 0 : Math.min(Math.min(MAX_STRIDE, width - pos), 32 - Integer.numberOfLeadingZeros(rest));
            if (to > from) {
                int first = sorted[from];
                outNodes[4 * node] = high[first] & AddressBits.HIGH_MASK[pos];
                outNodes[4 * node + 1] = low[first] & AddressBits.LOW_MASK[pos];
            }
            outNodes[4 * node + 2] = (ownLabel << 32) | ((long) k << 8) | pos;
            if (k == 0) {
                return node;
            }
            int base = reserveTable(1 << k);
            outNodes[4 * node + 3] = base;
            int[] expandedLength = new int[1 << k];
            int end = pos + k;
            int i = start;
            while (i < to) {
                int p = sorted[i];
                int index = AddressBits.bits(high[p], low[p], pos, k);
                if (length[p] <= end) {
                    int span = 1 << (end - length[p]);
                    for (int e = index; e < index + span; e++) {
                        if (expandedLength[e] < length[p]) {
                            expandedLength[e] = length[p];
                            outTable[base + e] = (outTable[base + e] & 0xffffffff00000000L) | (label[p] + 1L);
                        }
                    }
                    i++;
                    continue;
                }
                int j = i + 1;
                while (j < to && length[sorted[j]] > end && AddressBits.bits(high[sorted[j]], low[sorted[j]], pos, k) == index) {
                    j++;
                }
                if ((int) (outTable[base + index] >>> 32) != NONE) {
                    // Sorting puts a shorter prefix before everything inside it, so one entry's subtree is one run.
                    throw new IllegalStateException("prefixes out of order at entry " + index);
                }
                int child = buildNode(sorted, i, j, end);
                outTable[base + index] = ((long) child << 32) | (outTable[base + index] & 0xffffffffL);
                i = j;
            }
            return node;
        }

        private int reserveTable(int size) {
            int base = tableSize;
            tableSize += size;
            if (tableSize > outTable.length) {
                outTable = Arrays.copyOf(outTable, Math.max(tableSize, outTable.length * 2));
            }
            Arrays.fill(outTable, base, tableSize, (long) NONE << 32);
            return base;
        }
    }
}
