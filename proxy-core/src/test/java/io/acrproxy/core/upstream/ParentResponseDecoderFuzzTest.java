package io.acrproxy.core.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.acrproxy.core.fuzz.Splits;
import io.acrproxy.core.testing.TrackingAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A parent proxy's answer to {@code CONNECT} (design §2.3), read by {@link ParentResponseDecoder}: what a corporate
 * proxy, or whatever answers in its place, sends back is untrusted bytes.
 *
 * <p>Properties, for any bytes:
 * <ul>
 *   <li>The verdict (a final status and reason phrase, a refusal of the answer as malformed or too large, or still
 *       waiting) is the same whether the bytes arrive in one piece, cut at every line end, in segments of up to 1500
 *       bytes, or of 1 to 8 bytes; and it is what a plain reading of the documented rules over the whole input gives
 *       (an HTTP/1.0 or 1.1 status line whose reason phrase has no control character, interim 1xx heads skipped,
 *       header lines with a name and a colon, lines of at
 *       most 8 KiB and heads of at most 16 KiB, LF or CRLF line ends).</li>
 *   <li>One message at most, and never a second verdict for bytes behind the first.</li>
 *   <li>After a 2xx, the bytes behind the head are the tunnel's: all of them, unchanged, once the decoder leaves.</li>
 *   <li>Waiting: no more than 16 KiB has been taken in. No exception escapes; every buffer is released.</li>
 * </ul>
 */
class ParentResponseDecoderFuzzTest {
    private static final int MAX_HEAD = ParentResponseDecoder.MAX_HEAD_BYTES;
    private static final int MAX_LINE = ParentResponseDecoder.MAX_LINE_BYTES;

    /** @param verdict a Response, a Malformed, or null while waiting; @param tunnel the bytes passed on after a 2xx */
    record Outcome(Object verdict, String tunnel) {
    }

    @FuzzTest(maxDuration = "10m")
    void verdictDoesNotDependOnSplitsAndFollowsTheRules(byte[] input) {
        Random random = new Random(Arrays.hashCode(input));
        Outcome whole = run(List.of(input));
        assertThat(whole).as("the plain reading").isEqualTo(reference(input));

        List<List<byte[]>> splits = new ArrayList<>();
        splits.add(Splits.at(input, lineEnds(input)));
        splits.add(Splits.random(input, random, 1 + random.nextInt(1500)));
        splits.add(Splits.random(input, random, 1 + random.nextInt(8)));
        for (List<byte[]> chunks : splits) {
            assertThat(run(chunks)).as("in %d segments", chunks.size()).isEqualTo(whole);
        }
    }

    private static List<Integer> lineEnds(byte[] input) {
        List<Integer> cuts = new ArrayList<>();
        for (int i = 0; i < input.length; i++) {
            if (input[i] == '\n') {
                cuts.add(i + 1);
            }
        }
        return cuts;
    }

    private static Outcome run(List<byte[]> chunks) {
        TrackingAllocator alloc = new TrackingAllocator();
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setAllocator(alloc);
        ch.pipeline().addLast(ParentResponseDecoder.NAME, new ParentResponseDecoder());
        List<Object> verdicts = new ArrayList<>();
        int fed = 0;
        try {
            for (byte[] chunk : chunks) {
                ch.writeInbound(alloc.buffer(chunk.length).writeBytes(chunk));
                fed += chunk.length;
                for (Object m; (m = ch.readInbound()) != null; ) {
                    assertThat(m).isNotInstanceOf(ByteBuf.class);
                    verdicts.add(m);
                }
                if (verdicts.isEmpty()) {
                    assertThat(fed).as("taken in while waiting").isLessThanOrEqualTo(MAX_HEAD);
                }
            }
            assertThat(verdicts).as("one verdict at most").hasSizeLessThanOrEqualTo(1);
            Object verdict = verdicts.isEmpty() ? null : verdicts.get(0);
            String tunnel = "";
            if (verdict instanceof ParentResponseDecoder.Response r && r.isSuccess()) {
                ParentConnector.releaseHeldBytes(ch); // as the relay's start does
                ByteArrayOutputStream passed = new ByteArrayOutputStream();
                for (Object m; (m = ch.readInbound()) != null; ) {
                    ByteBuf b = (ByteBuf) m;
                    byte[] bytes = new byte[b.readableBytes()];
                    b.readBytes(bytes);
                    b.release();
                    passed.writeBytes(bytes);
                }
                tunnel = passed.toString(StandardCharsets.ISO_8859_1);
            }
            return new Outcome(verdict, tunnel);
        } finally {
            ch.finishAndReleaseAll();
            alloc.assertAllReleased();
        }
    }

    /** The rules of the decoder's documentation, read over the whole input at once. */
    private static Outcome reference(byte[] input) {
        String text = new String(input, StandardCharsets.ISO_8859_1);
        int at = 0;
        int headBytes = 0;
        boolean statusLine = true;
        int status = 0;
        String reason = "";
        while (true) {
            int eol = text.indexOf('\n', at);
            if (eol < 0) {
                int rest = text.length() - at;
                return rest > MAX_LINE || headBytes + rest > MAX_HEAD ? malformed("its answer's head is larger than "
                        + MAX_HEAD + " bytes") : new Outcome(null, "");
            }
            int lineLength = eol - at + 1;
            headBytes += lineLength;
            if (lineLength > MAX_LINE || headBytes > MAX_HEAD) {
                return malformed("its answer's head is larger than " + MAX_HEAD + " bytes");
            }
            String line = text.substring(at, eol > at && text.charAt(eol - 1) == '\r' ? eol - 1 : eol);
            at = eol + 1;
            if (statusLine) {
                if (!line.matches("(?s)HTTP/1\\.[01] [0-9]{3}( .*)?") || Integer.parseInt(line.substring(9, 12)) < 100) {
                    return malformed("its answer does not start with an HTTP/1.x status line");
                }
                if (!line.substring(12).matches("[\\t\\x20-\\x7e\\x80-\\xff]*")) {
                    return malformed("its answer's status line has a control character");
                }
                status = Integer.parseInt(line.substring(9, 12));
                reason = line.length() > 13 ? line.substring(13).strip() : "";
                statusLine = false;
            } else if (line.isEmpty()) {
                if (status >= 200) {
                    String behind = status < 300 ? text.substring(at) : "";
                    return new Outcome(new ParentResponseDecoder.Response(status, reason), behind);
                }
                statusLine = true; // an interim head
            } else if (line.startsWith(" ") || line.startsWith("\t") || line.indexOf(':') <= 0) {
                return malformed("its answer has a malformed header line");
            }
        }
    }

    private static Outcome malformed(String message) {
        return new Outcome(new ParentResponseDecoder.Malformed(message), "");
    }
}
