package io.acrproxy.policy.net;

/**
 * Addresses as left-aligned bit strings in two {@code long}s, the form {@link Cidr} and the lookup trie compare
 * with: bit 0 is the most significant bit of the address. An IPv4 address occupies the top 32 bits of
 * {@code high} and leaves {@code low} zero, so one comparison serves both families.
 */
final class AddressBits {
    /** {@code HIGH_MASK[n]}: the first {@code n} bits (0–128) set, within {@code high}. */
    static final long[] HIGH_MASK = new long[129];
    /** {@code LOW_MASK[n]}: the first {@code n} bits (0–128) set, within {@code low}. */
    static final long[] LOW_MASK = new long[129];

    static {
        // Java masks shift distances to 6 bits, so "-1L << 64" is -1L, not 0: build the table explicitly.
        for (int n = 0; n <= 128; n++) {
            HIGH_MASK[n] = n == 0 ? 0L : n >= 64 ? -1L : -1L << (64 - n);
            LOW_MASK[n] = n <= 64 ? 0L : n == 128 ? -1L : -1L << (128 - n);
        }
    }

    private AddressBits() {
    }

    static long high(byte[] address) {
        if (address.length == 4) {
            return (long) (((address[0] & 0xff) << 24) | ((address[1] & 0xff) << 16)
                    | ((address[2] & 0xff) << 8) | (address[3] & 0xff)) << 32;
        }
        return readLong(address, 0);
    }

    static long low(byte[] address) {
        return address.length == 4 ? 0L : readLong(address, 8);
    }

    private static long readLong(byte[] b, int from) {
        long v = 0;
        for (int i = from; i < from + 8; i++) {
            v = (v << 8) | (b[i] & 0xff);
        }
        return v;
    }

    /** The address bytes (4 when {@code ipv4}, else 16) of a left-aligned bit string. */
    static byte[] toBytes(long high, long low, boolean ipv4) {
        byte[] out = new byte[ipv4 ? 4 : 16];
        for (int i = 0; i < out.length; i++) {
            long word = i < 8 ? high : low;
            out[i] = (byte) (word >>> (56 - 8 * (i & 7)));
        }
        return out;
    }

    /**
     * The {@code count} bits (1–16) of the address starting at bit {@code from} (0 = most significant), as an
     * unsigned number; {@code from + count} must not exceed 128.
     */
    static int bits(long high, long low, int from, int count) {
        if (from + count <= 64) {
            return (int) ((high << from) >>> (64 - count));
        }
        if (from >= 64) {
            return (int) ((low << (from - 64)) >>> (64 - count));
        }
        int fromLow = from + count - 64;
        return (int) ((high << from) >>> (64 - count)) | (int) (low >>> (64 - fromLow));
    }

    /** The number of leading bits two addresses share, at most {@code limit}. */
    static int commonPrefixLength(long highA, long lowA, long highB, long lowB, int limit) {
        long diff = highA ^ highB;
        int common = diff != 0 ? Long.numberOfLeadingZeros(diff) : 64 + Long.numberOfLeadingZeros(lowA ^ lowB);
        return Math.min(common, limit);
    }

    /** True when the first {@code length} bits of the two addresses are equal. */
    static boolean samePrefix(long highA, long lowA, long highB, long lowB, int length) {
        return ((highA ^ highB) & HIGH_MASK[length]) == 0 && ((lowA ^ lowB) & LOW_MASK[length]) == 0;
    }
}
