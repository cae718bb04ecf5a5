package io.acrproxy.core.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.acrproxy.core.inspect.ClientHelloInfo;
import io.acrproxy.core.inspect.ClientHelloInspector;
import io.acrproxy.core.inspect.ClientHelloListener;
import io.acrproxy.core.inspect.ClientHelloParser;
import io.acrproxy.core.testing.TrackingAllocator;
import io.acrproxy.policy.Policy;
import io.acrproxy.policy.PolicySpec;
import io.acrproxy.policy.Reason;
import io.acrproxy.policy.RegistrySpec;
import io.acrproxy.policy.host.Authority;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Stage 7 (design §7): what a client sends after the {@code 200}, through the {@link ClientHelloInspector} on a channel
 * as the proxy runs it (its reassembler, then its parser, then the real policy's SNI decision for a CONNECT to
 * {@code myreg.azurecr.io:443}), under any bytes, with {@code sni.maxClientHelloBytes} of 4096 and of 16384.
 *
 * <p>Properties, for every input:
 * <ul>
 *   <li>The verdict (accepted with server name X, refused with reason R, name and alert, or still waiting) is the
 *       same whether the bytes arrive in one piece, cut at and inside every record header (where lengths are
 *       read), in segments of up to 1500 bytes, or of 1 to 8 bytes (1 to 64 past 2 KiB, the size of a real hello).</li>
 *   <li>A server name the inspector reports (accepted, or refused by the policy) occurs in the bytes: in the
 *       handshake bytes with the record framing removed, as ASCII ignoring case, right behind a two-byte length
 *       that fits it (a trailing dot, removed by §4.3 normalisation, counted). The parser never names a host that
 *       the client did not send. (Not in the raw bytes: a record boundary may cut a name in two.)</li>
 *   <li>An accepted hello is exactly what a naive reading of the record framing gives: the same
 *       {@link ClientHelloInfo} when that body is handed to {@link ClientHelloParser} directly, and the same number of
 *       bytes of records; and every byte received, the hello and whatever followed it, is passed on unchanged and
 *       in order. A refusal passes nothing on, closes, and writes one fatal alert in the client's first record
 *       version (unrecognized_name for sni_mismatch, access_denied otherwise), or nothing for not_tls.</li>
 *   <li>While it waits, the inspector has been sent at most {@code maxClientHelloBytes + 5} bytes (one record header
 *       of slack, §7.2) and holds no more than those plus the reassembled copy; it waits only when the naive framing
 *       says the hello is incomplete (a strict prefix); sending it more bytes than the bound brings a verdict; and
 *       a wait ends in {@code client_hello_timeout} at the timeout or in a quiet close when the client leaves.</li>
 *   <li>The smaller limit changes a verdict only into {@code client_hello_too_large}: the size checks are the only
 *       ones that depend on it.</li>
 *   <li>Nothing is thrown (refusals are reported, never thrown), the listener hears at most once, and every buffer
 *       is released (the tracking allocator checks each one at the end).</li>
 * </ul>
 *
 * <p>Encrypted Client Hello (RFC 9849): the proxy checks the OUTER hello's server name, the only one it can see (the
 * client-facing server's public name); the encrypted_client_hello extension (0xfe0d) is skipped like any other
 * extension and only noted in {@link ClientHelloInfo#encryptedClientHello()}, which nothing else reads today. So an
 * ECH hello whose public name is not the CONNECT host is refused as sni_mismatch, and one whose outer name is the
 * CONNECT host is accepted: the proxy never learns the inner name, and the upstream decides what it serves.
 *
 * <p>Seeds: real first flights captured on loopback (curl with OpenSSL 3 in four variants, openssl s_client fresh, with
 * a TLS 1.3 PSK and with a TLS 1.2 session ticket, skopeo (Go 1.19) and the docker CLI (Go 1.24, also with
 * X25519MLKEM768) through a fake proxy), and synthetic ones made from them by {@code make-client-hello-seeds.py}
 * beside the inputs directory.
 */
class ClientHelloFuzzTest {
    private static final int DEFAULT_MAX = 16384;
    private static final int SMALL_MAX = 4096;
    private static final int RECORD_HEADER = 5;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Authority TARGET = Authority.parse("myreg.azurecr.io:443");
    private static final Policy POLICY = Policy.compile(PolicySpec.builder()
            .registries(new RegistrySpec("myreg", List.of("eastus"), List.of())).build());
    private static final List<Reason> STAGE_7 = List.of(Reason.NOT_TLS, Reason.CLIENT_HELLO_MALFORMED,
            Reason.CLIENT_HELLO_TOO_LARGE, Reason.SNI_MISMATCH, Reason.SNI_MISSING);
    /** Segments of a few bytes cost one channel read each: only for inputs of about one real hello. */
    private static final int BYTEWISE_UP_TO = 2048;

    /** How a run ended: the verdict compared across splits. */
    sealed interface Outcome permits Accepted, Refused, Waiting {
    }

    record Accepted(ClientHelloInfo hello, int helloBytes) implements Outcome {
    }

    record Refused(Reason reason, String serverName, String alert) implements Outcome {
    }

    record Waiting() implements Outcome {
    }

    @FuzzTest(maxDuration = "10m")
    void verdictDoesNotDependOnSplitsAndNamesComeFromTheBytes(byte[] input) {
        // Raw bytes, so that a captured hello is a seed as it is; the splits come from the bytes themselves.
        Random random = new Random(Arrays.hashCode(input));
        Framing framing = Framing.of(input);

        Outcome small = checkSplits(input, SMALL_MAX, framing, random);
        Outcome full = checkSplits(input, DEFAULT_MAX, framing, random);

        if (!small.equals(full)) {
            assertThat(small).as("with %d bytes where %d bytes gave %s", SMALL_MAX, DEFAULT_MAX, full)
                    .isEqualTo(new Refused(Reason.CLIENT_HELLO_TOO_LARGE, null, alert(input, Reason.CLIENT_HELLO_TOO_LARGE)));
        }
    }

    /** Runs {@code input} whole and in several splits with one limit; checks each run and that they agree. */
    private static Outcome checkSplits(byte[] input, int max, Framing framing, Random random) {
        Outcome whole = run(List.of(input), max, random.nextBoolean());
        check(input, max, framing, whole);
        if (whole instanceof Waiting) {
            assertThat(runWithMore(input, max)).as("a verdict once more than %d bytes arrived", max + RECORD_HEADER)
                    .isNotInstanceOf(Waiting.class);
        }
        List<List<byte[]>> splits = new ArrayList<>();
        splits.add(cutsAtRecordHeaders(input, framing, random));
        splits.add(Splits.random(input, random, 1 + random.nextInt(1500)));
        if (max == DEFAULT_MAX) { // one limit is enough for the small segments, which cost one read each
            splits.add(Splits.random(input, random, 1 + random.nextInt(input.length <= BYTEWISE_UP_TO ? 8 : 64)));
        }
        for (List<byte[]> chunks : splits) {
            assertThat(run(chunks, max, random.nextBoolean())).as("in %d segments", chunks.size()).isEqualTo(whole);
        }
        return whole;
    }

    /** Properties of one verdict that do not need a second run. */
    private static void check(byte[] input, int max, Framing framing, Outcome outcome) {
        if (outcome instanceof Accepted a) {
            assertThat(framing.complete).as("accepted, so the naive framing holds a whole hello").isTrue();
            assertThat(a.helloBytes).as("bytes of records the hello took").isEqualTo(framing.helloRecordBytes);
            assertThat(framing.handshake.length).as("nothing behind the hello in its last record")
                    .isEqualTo(framing.messageLength);
            ByteBuf body = Unpooled.wrappedBuffer(framing.handshake, 4, framing.messageLength - 4);
            assertThat(ClientHelloParser.parse(body)).as("the parser on the naively reassembled body").isEqualTo(a.hello);
            assertThat(framing.messageLength).isLessThanOrEqualTo(max);
            assertNamed(framing, a.hello.serverName());
        } else if (outcome instanceof Refused r) {
            assertThat(r.reason).isIn(STAGE_7);
            assertThat(r.alert).isEqualTo(alert(input, r.reason));
            if (r.serverName != null) {
                assertThat(r.reason).as("only a well-formed hello has a name").isIn(Reason.SNI_MISMATCH, Reason.SNI_MISSING);
                assertNamed(framing, r.serverName);
            }
        } else {
            assertThat(framing.complete).as("waiting although the framing holds a whole hello").isFalse();
            assertThat(input.length).as("bytes held while waiting").isLessThanOrEqualTo(max + RECORD_HEADER);
        }
    }

    /** design §7.4: the alert a refusal writes, as hex, or "" when it only closes. */
    private static String alert(byte[] input, Reason reason) {
        if (reason == Reason.NOT_TLS || input.length < 3) {
            return "";
        }
        int description = reason == Reason.SNI_MISMATCH ? 112 : 49;
        return HexFormat.of().formatHex(new byte[] {21, input[1], input[2], 0, 2, 2, (byte) description});
    }

    /** The name occurs in the handshake bytes, ASCII case ignored, behind a two-byte length that fits it. */
    private static void assertNamed(Framing framing, String name) {
        if (name == null) {
            return;
        }
        byte[] hs = framing.handshake;
        byte[] want = name.getBytes(StandardCharsets.US_ASCII);
        boolean found = false;
        for (int at = 2; at + want.length <= hs.length && !found; at++) {
            int length = ((hs[at - 2] & 0xff) << 8) | (hs[at - 1] & 0xff);
            boolean fits = length == want.length
                    || length == want.length + 1 && at + want.length < hs.length && hs[at + want.length] == '.';
            found = fits && equalsIgnoringAsciiCase(hs, at, want);
        }
        assertThat(found).as("server name %s occurs in the handshake bytes as a host_name", name).isTrue();
    }

    private static boolean equalsIgnoringAsciiCase(byte[] hs, int at, byte[] lowerCase) {
        for (int i = 0; i < lowerCase.length; i++) {
            int b = hs[at + i];
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != lowerCase[i]) {
                return false;
            }
        }
        return true;
    }

    // --- one run -----------------------------------------------------------------------------------------------------

    /**
     * Feeds the chunks as separate reads and returns the verdict. A wait is then ended, by the timeout or by the
     * client's close as {@code timeoutAfterwards} says, and how it ends is checked too.
     */
    private static Outcome run(List<byte[]> chunks, int max, boolean timeoutAfterwards) {
        try (Run run = new Run(max)) {
            int sent = 0;
            for (byte[] chunk : chunks) {
                if (!run.channel.isOpen()) {
                    break; // refused: a closed connection reads nothing more
                }
                run.channel.writeInbound(run.alloc.buffer(chunk.length).writeBytes(chunk));
                sent += chunk.length;
                assertThat(run.events).as("the listener hears at most once").isLessThanOrEqualTo(1);
                if (run.events == 0) {
                    assertThat(sent).as("bytes held while waiting").isLessThanOrEqualTo(max + RECORD_HEADER);
                }
            }
            if (run.events == 0) { // what is held only grows while it waits: the end is the most
                assertThat(run.alloc.liveReadableBytes()).as("the bytes received and one reassembled copy")
                        .isLessThanOrEqualTo(sent + (long) Math.min(sent, max));
            }
            byte[] input = Splits.concat(chunks);
            Outcome outcome = run.outcome();
            if (outcome instanceof Accepted) {
                assertThat(run.forwarded.toByteArray()).as("everything passed on, unchanged and in order").isEqualTo(input);
                assertThat(run.asked).hasSize(1);
                assertThat(run.channel.isOpen()).isTrue();
                assertThat(run.channel.pipeline().get(ClientHelloInspector.class)).isNull();
            } else if (outcome instanceof Refused) {
                assertThat(run.forwarded.size()).as("nothing passed on").isZero();
                assertThat(run.channel.isOpen()).isFalse();
                assertThat(run.alloc.liveReadableBytes()).as("held after a refusal").isZero();
            } else {
                assertThat(run.forwarded.size()).isZero();
                run.end(timeoutAfterwards, input);
            }
            return outcome;
        }
    }

    /** The whole input and then zeros up to one byte past the bound: a verdict must have come by then. */
    private static Outcome runWithMore(byte[] input, int max) {
        byte[] more = new byte[max + RECORD_HEADER + 1 - input.length];
        try (Run run = new Run(max)) {
            run.channel.writeInbound(run.alloc.buffer(input.length).writeBytes(input));
            if (run.channel.isOpen() && run.events == 0) {
                run.channel.writeInbound(run.alloc.buffer(more.length).writeBytes(more));
            }
            return run.outcome();
        }
    }

    /** One inspector on a channel, as stage 7 installs it, with a relay stand-in behind it. */
    private static final class Run implements ClientHelloListener, AutoCloseable {
        final TrackingAllocator alloc = new TrackingAllocator();
        final EmbeddedChannel channel = new EmbeddedChannel();
        final ByteArrayOutputStream forwarded = new ByteArrayOutputStream();
        final List<String> asked = new ArrayList<>();
        ClientHelloListener.Accepted accepted;
        ClientHelloListener.Refused refused;
        Integer closed;
        int events;

        Run(int max) {
            channel.config().setAllocator(alloc);
            channel.freezeTime();
            channel.pipeline().addLast(new ClientHelloInspector(sni -> {
                asked.add(sni);
                return POLICY.decideSni(TARGET, sni);
            }, this, max, TIMEOUT), new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    ByteBuf buf = (ByteBuf) msg;
                    try {
                        buf.readBytes(forwarded, buf.readableBytes());
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException(e);
                    } finally {
                        buf.release();
                    }
                }
            });
        }

        Outcome outcome() {
            if (accepted != null) {
                assertThat(written()).as("nothing written to an accepted client").isEmpty();
                return new ClientHelloFuzzTest.Accepted(accepted.hello(), accepted.helloBytes());
            }
            if (refused != null) {
                return new ClientHelloFuzzTest.Refused(refused.reason(), refused.serverName(), written());
            }
            assertThat(closed).isNull();
            assertThat(written()).as("nothing written while waiting").isEmpty();
            return new Waiting();
        }

        /** Ends a wait: the inspection timeout, or the client closing; either way nothing was forwarded. */
        void end(boolean byTimeout, byte[] input) {
            if (byTimeout) {
                channel.advanceTimeBy(TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
                channel.runScheduledPendingTasks();
                assertThat(refused).as("refused at the timeout").isNotNull();
                assertThat(refused.reason()).isEqualTo(Reason.CLIENT_HELLO_TIMEOUT);
                assertThat(written()).as("the alert at the timeout").isEqualTo(alert(input, Reason.CLIENT_HELLO_TIMEOUT));
            } else {
                channel.close();
                assertThat(closed).as("told that the client left").isEqualTo(input.length);
                assertThat(written()).as("no alert for a client that left").isEmpty();
            }
            assertThat(events).isEqualTo(1);
            assertThat(channel.isOpen()).isFalse();
            assertThat(forwarded.size()).isZero();
        }

        /** Everything written to the client, as hex, each buffer released. */
        String written() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (Object msg; (msg = channel.readOutbound()) != null; ) {
                ByteBuf buf = (ByteBuf) msg;
                byte[] bytes = new byte[buf.readableBytes()];
                buf.readBytes(bytes);
                buf.release();
                out.writeBytes(bytes);
            }
            return HexFormat.of().formatHex(out.toByteArray());
        }

        @Override
        public void onAccepted(ClientHelloListener.Accepted accepted) {
            this.accepted = accepted;
            events++;
        }

        @Override
        public void onRefused(ClientHelloListener.Refused refused) {
            this.refused = refused;
            events++;
        }

        @Override
        public void onClosed(int bytesReceived) {
            this.closed = bytesReceived;
            events++;
        }

        @Override
        public void close() {
            channel.finishAndReleaseAll(); // rethrows anything that reached the end of the pipeline
            assertThat(events).isLessThanOrEqualTo(1);
            alloc.assertAllReleased();
        }
    }

    // --- the naive framing, and splits -------------------------------------------------------------------------------

    /**
     * The bytes read as TLS records with no checks at all: the handshake fragments concatenated up to the record
     * that completes the first handshake message (by its declared length), if one does.
     */
    private record Framing(byte[] handshake, boolean complete, int messageLength, int helloRecordBytes,
                           List<Integer> recordStarts) {
        static Framing of(byte[] in) {
            ByteArrayOutputStream hs = new ByteArrayOutputStream();
            List<Integer> starts = new ArrayList<>();
            int p = 0;
            while (in.length - p >= RECORD_HEADER) {
                int length = ((in[p + 3] & 0xff) << 8) | (in[p + 4] & 0xff);
                starts.add(p);
                if (in.length - p - RECORD_HEADER < length) {
                    break;
                }
                hs.write(in, p + RECORD_HEADER, length);
                p += RECORD_HEADER + length;
                byte[] bytes = hs.toByteArray();
                if (bytes.length >= 4) {
                    int messageLength = 4 + (((bytes[1] & 0xff) << 16) | ((bytes[2] & 0xff) << 8) | (bytes[3] & 0xff));
                    if (bytes.length >= messageLength) {
                        return new Framing(bytes, true, messageLength, p, starts);
                    }
                }
            }
            return new Framing(hs.toByteArray(), false, -1, -1, starts);
        }
    }

    /** Cut at every record boundary and once inside every record header, where the length is read. */
    private static List<byte[]> cutsAtRecordHeaders(byte[] input, Framing framing, Random random) {
        List<Integer> cuts = new ArrayList<>();
        for (int start : framing.recordStarts) {
            cuts.add(start);
            cuts.add(start + 1 + random.nextInt(RECORD_HEADER - 1));
        }
        return Splits.at(input, cuts);
    }
}
