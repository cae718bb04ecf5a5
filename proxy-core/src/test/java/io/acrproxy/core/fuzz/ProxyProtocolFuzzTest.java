package io.acrproxy.core.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.acrproxy.core.accept.AdmissionHandler;
import io.acrproxy.core.accept.ConnectionLimits;
import io.acrproxy.core.accept.ProxyProtocolHandler;
import io.acrproxy.core.accept.ProxyProtocolSettings;
import io.acrproxy.core.connection.ClientConnection;
import io.acrproxy.core.observe.AccessLog;
import io.acrproxy.core.observe.BlockedTargets;
import io.acrproxy.core.observe.ConnectionEvents;
import io.acrproxy.core.observe.ProxyMetrics;
import io.acrproxy.core.testing.ClientChannel;
import io.acrproxy.core.testing.TrackingAllocator;
import io.acrproxy.policy.Policy;
import io.acrproxy.policy.PolicySpec;
import io.acrproxy.policy.Reason;
import io.acrproxy.policy.net.Cidr;
import io.acrproxy.policy.net.CidrSet;
import io.acrproxy.policy.source.PolicyHolder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Stage 0 behind a load balancer (design §2.1): the PROXY protocol header, v1 or v2, read by Netty's decoder in front of
 * {@link ProxyProtocolHandler}, on a connection from a trusted balancer (10.0.0.5), with admission and a stand-in for the
 * request stages behind it, as {@code ProxyChannelInitializer} builds the pipeline.
 *
 * <p>Properties, for any bytes:
 * <ul>
 *   <li>The outcome (the client and port the connection is attributed to and the bytes the stages behind receive; a
 *       refusal with its reason and status; a probe; or still waiting) is the same whether the bytes arrive in one piece,
 *       cut inside the signatures and at every line end, in segments of up to 1500 bytes, or of 1 to 8 bytes.</li>
 *   <li>Attributed: the stages behind see the connection become active once, and receive exactly the bytes behind
 *       the header, unchanged: the v1 line up to its CRLF, or the v2 header's 16 bytes and its declared length, are
 *       all that is taken.</li>
 *   <li>Refused: {@code proxy_protocol_error} with a {@code 400} answer before the close, nothing passed on, nothing
 *       held. A probe ({@code LOCAL}, {@code UNKNOWN}) closes without an answer.</li>
 *   <li>Waiting: nothing beyond the protocol's maxima has been taken in (v1 108 bytes, v2 16 + 65,535); the bytes are
 *       held once at most; and the wait ends in {@code header_timeout} (408) at the timeout, or on the balancer's FIN in
 *       {@code proxy_protocol_error}, or in an {@code empty} probe when nothing was sent.</li>
 *   <li>No exception escapes the pipeline, and every buffer is released.</li>
 * </ul>
 */
class ProxyProtocolFuzzTest {
    private static final int V1_MAX = 108;
    private static final int V2_MAX = 16 + 65535;
    private static final byte[] V2_SIGNATURE = {'\r', '\n', '\r', '\n', 0, '\r', '\n', 'Q', 'U', 'I', 'T', '\n'};
    private static final Duration HEADER_TIMEOUT = Duration.ofSeconds(10);
    private static final ProxyProtocolSettings SETTINGS = new ProxyProtocolSettings(
            CidrSet.of(List.of(Cidr.parse("10.0.0.0/24")), "trusted"), HEADER_TIMEOUT);
    /** Every client is allowed: the outcome is the PROXY protocol stage's alone. */
    private static final PolicyHolder POLICIES = new PolicyHolder(Policy.compile(PolicySpec.builder()
            .clientAllow(List.of(Cidr.parse("0.0.0.0/0"), Cidr.parse("::/0"))).build()));
    /** One for all runs: metrics only, no access-log lines (each AccessLog has a thread of its own). */
    private static final ConnectionEvents EVENTS = new ConnectionEvents(
            new AccessLog(System::nanoTime, 64, () -> false, line -> { }), new ProxyMetrics(new SimpleMeterRegistry()),
            new BlockedTargets(10), Clock.systemUTC(), System::nanoTime);

    sealed interface Outcome permits Attributed, Refused, Probe, Waiting {
    }

    /** @param client as the access log writes it, e.g. {@code 203.0.113.7:51234}; @param behind what the stages behind got */
    record Attributed(String client, String behind) implements Outcome {
    }

    /** @param status the answer's status line up to its code, e.g. {@code HTTP/1.1 400} */
    record Refused(Reason reason, String status) implements Outcome {
    }

    record Probe(String kind) implements Outcome {
    }

    record Waiting() implements Outcome {
    }

    @FuzzTest(maxDuration = "10m")
    void outcomeDoesNotDependOnSplitsAndStaysWithinTheMaxima(byte[] input) {
        Random random = new Random(Arrays.hashCode(input));
        Outcome whole = run(List.of(input), random.nextInt(3));
        check(input, whole);

        List<List<byte[]>> splits = new ArrayList<>();
        splits.add(cutsAtSignaturesAndLineEnds(input, random));
        splits.add(Splits.random(input, random, 1 + random.nextInt(1500)));
        splits.add(Splits.random(input, random, 1 + random.nextInt(input.length <= 2048 ? 8 : 256)));
        for (List<byte[]> chunks : splits) {
            assertThat(run(chunks, random.nextInt(3))).as("in %d segments", chunks.size()).isEqualTo(whole);
        }
    }

    /** Properties of one outcome that need no second run. */
    private static void check(byte[] input, Outcome outcome) {
        if (outcome instanceof Attributed a) {
            int headerLength = headerLength(input);
            assertThat(headerLength).as("the header's own length").isPositive();
            assertThat(a.behind).as("the bytes behind the header, unchanged")
                    .isEqualTo(new String(input, headerLength, input.length - headerLength, StandardCharsets.ISO_8859_1));
        } else if (outcome instanceof Refused r) {
            assertThat(r.reason).isEqualTo(Reason.PROXY_PROTOCOL_ERROR);
            assertThat(r.status).isEqualTo("HTTP/1.1 400");
        } else if (outcome instanceof Waiting) {
            assertThat(input.length).as("taken in while waiting").isLessThanOrEqualTo(maxHeld(input));
        }
    }

    /** v2 once its signature and a version other than v1's are in; a v1 line otherwise (as Netty's decoder tells them). */
    private static int maxHeld(byte[] input) {
        return isV2(input) ? V2_MAX : V1_MAX;
    }

    private static boolean isV2(byte[] input) {
        return input.length > V2_SIGNATURE.length
                && Arrays.equals(input, 0, V2_SIGNATURE.length, V2_SIGNATURE, 0, V2_SIGNATURE.length)
                && input[V2_SIGNATURE.length] != 1;
    }

    /** The header's length read naively: v2's 16 bytes and declared length, or a v1 line up to and with its CRLF. */
    private static int headerLength(byte[] input) {
        if (isV2(input)) {
            return input.length < 16 ? -1 : 16 + (((input[14] & 0xff) << 8) | (input[15] & 0xff));
        }
        for (int i = 0; i + 1 < input.length; i++) {
            if (input[i] == '\r' && input[i + 1] == '\n') {
                return i + 2;
            }
        }
        return -1;
    }

    // --- one run -----------------------------------------------------------------------------------------------------

    /**
     * Feeds the chunks as separate reads and returns the outcome. A wait is then ended as {@code ending} says (0: the
     * timeout, 1: the balancer's FIN, 2: a reset) and how it ends is checked too.
     */
    private static Outcome run(List<byte[]> chunks, int ending) {
        try (Run run = new Run()) {
            int sent = 0;
            for (byte[] chunk : chunks) {
                if (!run.ch.isOpen()) {
                    break; // decided and closed: a closed connection reads nothing more
                }
                run.ch.writeInbound(run.alloc.buffer(chunk.length).writeBytes(chunk));
                run.ch.runPendingTasks();
                sent += chunk.length;
            }
            byte[] input = Splits.concat(chunks);
            Outcome outcome = run.outcome();
            if (outcome instanceof Attributed) {
                assertThat(run.ch.isOpen()).isTrue();
                assertThat(run.ch.pipeline().get(ProxyProtocolHandler.class)).as("the handler left").isNull();
                assertThat(run.ch.pipeline().get(ProxyProtocolHandler.Decoder.class)).as("the decoder left").isNull();
            } else if (outcome instanceof Waiting) {
                assertThat(run.alloc.liveReadableBytes()).as("held while waiting").isLessThanOrEqualTo(sent);
                run.end(ending, sent);
            } else {
                assertThat(run.ch.isOpen()).isFalse();
                assertThat(run.behind.size()).as("passed on after a refusal or a probe").isZero();
                assertThat(run.activations).isZero();
                assertThat(run.alloc.liveReadableBytes()).as("held after the close").isZero();
            }
            return outcome;
        }
    }

    /** A connection from the trusted balancer, with the pipeline {@code ProxyChannelInitializer} builds for it. */
    private static final class Run implements AutoCloseable {
        final TrackingAllocator alloc = new TrackingAllocator();
        final ClientChannel ch = ClientChannel.from("10.0.0.5");
        final ClientConnection connection = new ClientConnection(ch, EVENTS);
        final ByteArrayOutputStream behind = new ByteArrayOutputStream();
        int activations;

        Run() {
            ch.config().setAllocator(alloc);
            ProxyProtocolHandler.Decoder decoder = new ProxyProtocolHandler.Decoder();
            ProxyProtocolHandler handler = new ProxyProtocolHandler(connection, SETTINGS, decoder);
            connection.opened(handler::sentPartOfAHeader);
            ch.pipeline()
                    .addLast(ProxyProtocolHandler.AnswerBeforeClose.NAME, new ProxyProtocolHandler.AnswerBeforeClose(handler))
                    .addLast(ProxyProtocolHandler.Decoder.NAME, decoder)
                    .addLast(ProxyProtocolHandler.NAME, handler)
                    .addLast("admission", new AdmissionHandler(connection, POLICIES, new ConnectionLimits(10, 10),
                            new DefaultChannelGroup(ImmediateEventExecutor.INSTANCE)))
                    .addLast(new ChannelInboundHandlerAdapter() { // the request stages
                        @Override
                        public void channelActive(ChannelHandlerContext ctx) {
                            activations++;
                        }

                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ByteBuf buf = (ByteBuf) msg;
                            try {
                                buf.readBytes(behind, buf.readableBytes());
                            } catch (java.io.IOException e) {
                                throw new IllegalStateException(e);
                            } finally {
                                buf.release();
                            }
                        }
                    });
            ch.start();
        }

        Outcome outcome() {
            String written = ch.written();
            if (connection.record().isProbe()) {
                assertThat(written).as("a probe is not answered").isEmpty();
                return new Probe(connection.record().rule());
            }
            if (connection.record().reason() != null) {
                assertThat(written).as("the answer").startsWith("HTTP/1.1 ");
                return new Refused(connection.record().reason(), written.substring(0, Math.min(12, written.length())));
            }
            assertThat(written).as("nothing written to an undecided or attributed connection").isEmpty();
            if (activations > 0) {
                assertThat(activations).isEqualTo(1);
                String client = connection.record().toString();
                return new Attributed(client.substring(0, client.indexOf(' ')),
                        new String(behind.toByteArray(), StandardCharsets.ISO_8859_1));
            }
            assertThat(behind.size()).as("passed on before the header named the client").isZero();
            return new Waiting();
        }

        /** Ends a wait: 0 the header timeout, 1 the balancer's FIN, 2 a reset. */
        void end(int ending, int sent) {
            switch (ending) {
                case 0 -> {
                    ch.advanceTimeBy(HEADER_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
                    ch.runScheduledPendingTasks();
                    ch.runPendingTasks();
                    assertThat(outcome()).isEqualTo(new Refused(Reason.HEADER_TIMEOUT, "HTTP/1.1 408"));
                }
                case 1 -> {
                    ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
                    ch.runPendingTasks();
                    assertThat(outcome()).isEqualTo(sent > 0
                            ? new Refused(Reason.PROXY_PROTOCOL_ERROR, "HTTP/1.1 400") : new Probe("empty"));
                }
                default -> {
                    ch.close();
                    ch.runPendingTasks();
                    if (sent > 0) {
                        assertThat(connection.record().reason()).isEqualTo(Reason.PROXY_PROTOCOL_ERROR);
                    } else {
                        assertThat(connection.record().isProbe()).isTrue();
                    }
                }
            }
            assertThat(ch.isOpen()).isFalse();
            assertThat(behind.size()).isZero();
            assertThat(activations).isZero();
        }

        @Override
        public void close() {
            ch.finishAndReleaseAll(); // rethrows anything that reached the end of the pipeline
            alloc.assertAllReleased();
        }
    }

    // --- splits -------------------------------------------------------------------------------------------------------

    /** A cut inside the first 13 bytes (the signatures and v2's version), before and after every CR and LF. */
    private static List<byte[]> cutsAtSignaturesAndLineEnds(byte[] input, Random random) {
        List<Integer> cuts = new ArrayList<>();
        cuts.add(1 + random.nextInt(13));
        for (int i = 0; i < input.length && cuts.size() < 64; i++) {
            if (input[i] == '\r' || input[i] == '\n') {
                cuts.add(i);
                cuts.add(i + 1);
            }
        }
        if (input.length >= 16) {
            cuts.add(14 + random.nextInt(3)); // v2's length field
        }
        cuts.sort(null);
        return Splits.at(input, cuts);
    }
}
