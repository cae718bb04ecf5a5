package io.acrproxy.policy.net;

import java.util.Arrays;

/**
 * Longest-prefix match for one address family: a direct-indexed first stride over the top {@code k} address
 * bits, below it a path-compressed binary trie, all in primitive arrays. Immutable once built.
 *
 * <p><b>Stride.</b> {@code slots[2s]} is the root node of the sub-trie for the addresses whose top {@code k}
 * bits are {@code s}, and {@code slots[2s + 1]} the label of the most specific prefix of length ≤ {@code k}
 * covering them (controlled prefix expansion). {@code k} grows with the number of prefixes (up to 16), so the
 * table costs at most 8 bytes per prefix and a small set does not pay for 65,536 slots.
 *
 * <p><b>Trie.</b> Each node holds a whole prefix (bits, length) and a label index, or -1 when it only exists
 * where two prefixes branch. A lookup compares the address with the node's prefix, remembers the label, and
 * follows the child named by the next address bit. Chains of single-child nodes are never built, so the
 * number of nodes is below twice the number of prefixes and each step of a lookup moves at least one bit
 * further: lookup cost is bounded by the address length, independent of the number of prefixes.
 */
final class PrefixTrie {
    private static final int MAX_STRIDE = 16;
    private static final int NONE = -1;

    private final int width;
    private final int stride;
    private final int[] slots;
    private final long[] high;
    /** {@code null} for IPv4, whose bits all fit in {@link #high}. */
    private final long[] low;
    private final byte[] length;
    private final int[] label;
    /** {@code children[2n]} and {@code children[2n + 1]}: the children of node n for next bit 0 and 1. */
    private final int[] children;

    private PrefixTrie(Builder b) {
        this.width = b.width;
        this.stride = b.stride;
        this.slots = b.slots;
        this.high = Arrays.copyOf(b.high, b.nodes);
        this.low = width == 32 ? null : Arrays.copyOf(b.low, b.nodes);
        this.length = Arrays.copyOf(b.length, b.nodes);
        this.label = Arrays.copyOf(b.label, b.nodes);
        this.children = Arrays.copyOf(b.children, 2 * b.nodes);
    }

    /** The label index of the most specific prefix containing the address, or -1. */
    int find(long addrHigh, long addrLow) {
        // Two shifts, because a single ">>> 64" for a stride of 0 would not shift at all.
        int slot = (int) ((addrHigh >>> 1) >>> (63 - stride));
        int best = slots[2 * slot + 1];
        int node = slots[2 * slot];
        while (node != NONE) {
            int len = length[node] & 0xff;
            if (((addrHigh ^ high[node]) & AddressBits.HIGH_MASK[len]) != 0
                    || (low != null && ((addrLow ^ low[node]) & AddressBits.LOW_MASK[len]) != 0)) {
                break;
            }
            if (label[node] != NONE) {
                best = label[node];
            }
            if (len == width) {
                break;
            }
            node = children[2 * node + AddressBits.bit(addrHigh, addrLow, len)];
        }
        return best;
    }

    int nodeCount() {
        return length.length;
    }

    int strideBits() {
        return stride;
    }

    /** Bytes held by the arrays (object headers and padding aside). */
    long memoryBytes() {
        long perNode = 8L + (low != null ? 8 : 0) + 1 + 4 + 8;
        return 4L * slots.length + perNode * nodeCount();
    }

    /** Collects prefixes of one family; prefixes must be distinct and have no host bits set. */
    static final class Builder {
        private final int width;
        private final int stride;
        private final int[] slots;
        private final int[] slotLength;
        private long[] high = new long[16];
        private long[] low = new long[16];
        private byte[] length = new byte[16];
        private int[] label = new int[16];
        private int[] children = new int[32];
        private int nodes;

        /**
         * @param width         32 or 128
         * @param expectedCount the number of prefixes that will be added, to size the stride
         */
        Builder(int width, int expectedCount) {
            this.width = width;
            this.stride = Math.min(MAX_STRIDE, 31 - Integer.numberOfLeadingZeros(Math.max(1, expectedCount)));
            this.slots = new int[2 << stride];
            Arrays.fill(slots, NONE);
            this.slotLength = new int[1 << stride];
            Arrays.fill(slotLength, -1);
        }

        void add(long pHigh, long pLow, int len, int labelIndex) {
            int slot = (int) ((pHigh >>> 1) >>> (63 - stride));
            if (len <= stride) {
                int count = 1 << (stride - len);
                for (int s = slot; s < slot + count; s++) {
                    if (slotLength[s] < len) {
                        slotLength[s] = len;
                        slots[2 * s + 1] = labelIndex;
                    }
                }
                return;
            }
            int parent = NONE;
            int parentBit = 0;
            int node = slots[2 * slot];
            while (true) {
                if (node == NONE) {
                    link(slot, parent, parentBit, newNode(pHigh, pLow, len, labelIndex));
                    return;
                }
                int nodeLen = length[node] & 0xff;
                int common = AddressBits.commonPrefixLength(pHigh, pLow, high[node], low[node], Math.min(len, nodeLen));
                if (common < nodeLen) {
                    int replacement;
                    if (common == len) {
                        replacement = newNode(pHigh, pLow, len, labelIndex);
                        children[2 * replacement + AddressBits.bit(high[node], low[node], len)] = node;
                    } else {
                        replacement = newNode(pHigh & AddressBits.HIGH_MASK[common], pLow & AddressBits.LOW_MASK[common], common, NONE);
                        int leaf = newNode(pHigh, pLow, len, labelIndex);
                        children[2 * replacement + AddressBits.bit(pHigh, pLow, common)] = leaf;
                        children[2 * replacement + AddressBits.bit(high[node], low[node], common)] = node;
                    }
                    link(slot, parent, parentBit, replacement);
                    return;
                }
                if (nodeLen == len) {
                    // Only a branch node can have the same prefix, since prefixes are distinct.
                    label[node] = labelIndex;
                    return;
                }
                parent = node;
                parentBit = AddressBits.bit(pHigh, pLow, nodeLen);
                node = children[2 * node + parentBit];
            }
        }

        private void link(int slot, int parent, int parentBit, int node) {
            if (parent == NONE) {
                slots[2 * slot] = node;
            } else {
                children[2 * parent + parentBit] = node;
            }
        }

        private int newNode(long pHigh, long pLow, int len, int labelIndex) {
            if (nodes == length.length) {
                int capacity = nodes * 2;
                high = Arrays.copyOf(high, capacity);
                low = Arrays.copyOf(low, capacity);
                length = Arrays.copyOf(length, capacity);
                label = Arrays.copyOf(label, capacity);
                children = Arrays.copyOf(children, 2 * capacity);
            }
            int n = nodes++;
            high[n] = pHigh;
            low[n] = pLow;
            length[n] = (byte) len;
            label[n] = labelIndex;
            children[2 * n] = NONE;
            children[2 * n + 1] = NONE;
            return n;
        }

        PrefixTrie build() {
            return new PrefixTrie(this);
        }
    }
}
