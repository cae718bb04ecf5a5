package io.acrproxy.core.fuzz;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** How the fuzz targets cut their input into reads: the properties say the verdict must not depend on it. */
final class Splits {
    private Splits() {
    }

    /** Segments of 1 to {@code maxSegment} bytes; the whole input as one segment when it is empty. */
    static List<byte[]> random(byte[] input, Random random, int maxSegment) {
        List<byte[]> chunks = new ArrayList<>();
        for (int at = 0; at < input.length; ) {
            int next = Math.min(input.length, at + 1 + random.nextInt(maxSegment));
            chunks.add(Arrays.copyOfRange(input, at, next));
            at = next;
        }
        if (chunks.isEmpty()) {
            chunks.add(input);
        }
        return chunks;
    }
}
