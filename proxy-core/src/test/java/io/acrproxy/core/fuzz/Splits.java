package io.acrproxy.core.fuzz;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** How the fuzz targets cut their input into reads: the properties say the verdict must not depend on it. */
public final class Splits {
    private Splits() {
    }

    /** Segments of 1 to {@code maxSegment} bytes; the whole input as one segment when it is empty. */
    public static List<byte[]> random(byte[] input, Random random, int maxSegment) {
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

    /** The input cut at {@code cuts} (ascending; cuts outside the input or not past the previous one are skipped). */
    public static List<byte[]> at(byte[] input, List<Integer> cuts) {
        List<byte[]> chunks = new ArrayList<>();
        int from = 0;
        for (int cut : cuts) {
            if (cut > from && cut < input.length) {
                chunks.add(Arrays.copyOfRange(input, from, cut));
                from = cut;
            }
        }
        chunks.add(Arrays.copyOfRange(input, from, input.length));
        return chunks;
    }

    /** The segments put back together. */
    public static byte[] concat(List<byte[]> chunks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        chunks.forEach(out::writeBytes);
        return out.toByteArray();
    }
}
