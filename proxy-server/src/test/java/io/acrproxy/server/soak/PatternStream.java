package io.acrproxy.server.soak;

/**
 * An endless deterministic byte stream named by a seed (splitmix64, eight bytes per step): the origin and the
 * client each make the same stream from the seed, so every byte of a transfer is checked without keeping a copy.
 */
final class PatternStream {
    private long state;
    private long word;
    private int left;

    PatternStream(long seed) {
        this.state = seed;
    }

    void fill(byte[] buf, int off, int len) {
        for (int i = off; i < off + len; i++) {
            if (left == 0) {
                word = next();
                left = 8;
            }
            buf[i] = (byte) word;
            word >>>= 8;
            left--;
        }
    }

    /**
     * Compares {@code len} received bytes with the stream's next ones.
     *
     * @return the index within {@code buf[off..off+len)} of the first byte that differs, or -1
     */
    int firstMismatch(byte[] buf, int off, int len) {
        int mismatch = -1;
        for (int i = off; i < off + len; i++) {
            if (left == 0) {
                word = next();
                left = 8;
            }
            if (mismatch < 0 && buf[i] != (byte) word) {
                mismatch = i - off;
            }
            word >>>= 8;
            left--;
        }
        return mismatch;
    }

    private long next() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
