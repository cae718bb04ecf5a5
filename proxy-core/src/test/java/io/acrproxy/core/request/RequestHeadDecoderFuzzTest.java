package io.acrproxy.core.request;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The request-head decoder (design §4.1) under hostile bytes. Properties: the verdict — a head, a refusal, or "not
 * yet" — is the same whether the bytes arrive at once, in random segments or one byte at a time; once more bytes have
 * arrived than the limits allow, there is a verdict (nothing is buffered beyond them); and every buffer is released
 * (the channel's tracking allocator checks it on close). Small limits so that the fuzzer reaches them.
 */
class RequestHeadDecoderFuzzTest {
    private static final int MAX_HEADER_BYTES = 1024;
    private static final int MAX_REQUEST_LINE_BYTES = 256;
    private static final int MAX_HEADER_LINES = 10;

    @FuzzTest(maxDuration = "10m")
    void verdictDoesNotDependOnSplitsAndArrivesWithinTheLimits(FuzzedDataProvider data) {
        long splitSeed = data.consumeLong(); // the last 8 bytes (Jazzer takes numbers from the end of the input)
        byte[] input = data.consumeRemainingAsBytes();
        String text = new String(input, StandardCharsets.ISO_8859_1);

        Object whole = verdict(List.of(text));
        assertThat(verdict(randomSplits(text, new Random(splitSeed)))).as("in random segments").isEqualTo(whole);
        if (input.length <= 2048) {
            assertThat(verdict(bytewise(text))).as("byte by byte").isEqualTo(whole);
        }
        if (input.length > MAX_HEADER_BYTES + 2) {
            // The head limit counts every byte up to its end, so past it a refusal (or a complete head) must have come.
            assertThat(whole).as("a verdict once the limits are exceeded").isNotNull();
        }
    }

    /** The decoder's one message for these chunks, or {@code null} when it is still waiting for more. */
    private static Object verdict(List<String> chunks) {
        try (HeadChannel ch = new HeadChannel(new RequestHeadDecoder(MAX_HEADER_BYTES, MAX_REQUEST_LINE_BYTES,
                MAX_HEADER_LINES))) {
            for (String chunk : chunks) {
                ch.write(chunk);
            }
            Object message = ch.channel.readInbound();
            assertThat(ch.channel.<Object>readInbound()).as("at most one message").isNull();
            return message;
        }
    }

    private static List<String> randomSplits(String text, Random random) {
        List<String> chunks = new ArrayList<>();
        int at = 0;
        while (at < text.length()) {
            int next = Math.min(text.length(), at + 1 + random.nextInt(Math.max(1, Math.min(64, text.length()))));
            chunks.add(text.substring(at, next));
            at = next;
        }
        return chunks;
    }

    private static List<String> bytewise(String text) {
        List<String> chunks = new ArrayList<>();
        for (int i = 0; i < text.length(); i++) {
            chunks.add(text.substring(i, i + 1));
        }
        return chunks;
    }
}
