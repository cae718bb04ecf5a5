package io.acrproxy.core.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.acrproxy.core.observe.ExpectedErrors;
import io.acrproxy.core.relay.RelayResult.Outcome;
import io.acrproxy.core.relay.RelayResult.Side;
import io.acrproxy.core.testing.NoLeaks;
import io.acrproxy.core.transport.TunnelSockets;
import io.acrproxy.core.transport.epoll.SplicePipes;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The relay between real sockets on loopback, on every transport this machine has. */
@ExtendWith(NoLeaks.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RelayIT {
    /** The size: far beyond any buffer on the way, so only backpressure can keep memory bounded. */
    private static final long SLOW_READER_BYTES = 1L << 30;
    /** The largest read of a tunnel socket: what one read can add after the peer turned unwritable. */
    private static final long MAX_READ = TunnelSockets.MAX_READ_BYTES;
    /** Netty counts 96 bytes per queued buffer on top of its data; this covers 170 of them. */
    private static final long ENTRY_OVERHEAD_ALLOWANCE = 16 * 1024;
    private static final Duration LONG_IDLE = Duration.ofSeconds(30);

    private LoopbackRig rig;

    static List<TestTransport> transports() {
        return TestTransport.available();
    }

    @AfterEach
    void closeRig() {
        if (rig != null) {
            rig.close();
        }
    }

    @ParameterizedTest
    @MethodSource("transports")
    void halfClosesBothWaysAndDeliversEveryByte(TestTransport transport) throws Exception {
        rig = new LoopbackRig(transport, Origins.Echo::new, LONG_IDLE);
        int total = 8 << 20;

        RelayResult result = echoThenEof(total);

        assertThat(result.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(result.bytesUpstream()).isEqualTo(total);
        assertThat(result.bytesDownstream()).isEqualTo(total);
        if (transport.spliceAfter() >= 0) {
            assertThat(rig.relay().isSpliced(Side.CLIENT)).as("client input spliced").isTrue();
            assertThat(rig.relay().isSpliced(Side.UPSTREAM)).as("upstream input spliced").isTrue();
        }
    }

    static List<TestTransport> splicing() {
        return TestTransport.available().stream().filter(t -> t.spliceAfter() >= 0).toList();
    }

    /** Each spliced direction has a pipe (two descriptors) that must be closed however the tunnel ends. */
    @ParameterizedTest
    @MethodSource("splicing")
    void aSplicedTunnelThatCompletesLeavesNoDescriptorOpen(TestTransport transport) throws Exception {
        rig = new LoopbackRig(transport, Origins.Echo::new, LONG_IDLE);
        long before = openDescriptors();
        assertThat(echoThenEof(4 << 20).outcome()).isEqualTo(Outcome.COMPLETED);
        await().atMost(Duration.ofSeconds(5)).until(() -> openDescriptors() <= before);
    }

    @ParameterizedTest
    @MethodSource("splicing")
    void aSplicedTunnelResetByItsClientLeavesNoDescriptorOpen(TestTransport transport) throws Exception {
        rig = new LoopbackRig(transport, () -> new Origins.Push(SLOW_READER_BYTES), LONG_IDLE);
        long before = openDescriptors();
        try (Socket client = rig.connectClient(32 * 1024)) {
            readPattern(client.getInputStream(), new byte[8 * 1024], 4 << 20);
            assertThat(rig.relay().isSpliced(Side.UPSTREAM)).isTrue();
            client.setSoLinger(true, 0); // close() sends RST, with the proxy's drain toward it in flight
        }
        RelayResult result = rig.result().get(10, TimeUnit.SECONDS);
        assertThat(result.outcome()).isIn(Outcome.EXPECTED_ERROR, Outcome.CHANNEL_CLOSED);
        assertThat(result.bytesDownstream()).isGreaterThanOrEqualTo(4 << 20);
        await().atMost(Duration.ofSeconds(5)).until(() -> openDescriptors() <= before);
    }

    /**
     * A client that resets a spliced download: the reset is usually found by the write of a pipeful toward it, which
     * Netty reports by failing that write and closing the channel. It must still end the tunnel as the client's reset,
     * passed on to the origin as a reset (design §8.2), not as a close that sends the origin a FIN (found by the soak:
     * 2 of 30 such resets reached the origin as a reset). Twenty tries, since where the reset is found varies. An
     * abrupt client-side end is what makes the relay reset the origin's connection, which
     * {@link #aClientResetReachesTheUpstreamAsAReset} sees on the wire; a pushing origin cannot tell the two apart
     * itself, since writing after the proxy's FIN and close draws a reset from the proxy's kernel too.
     */
    @ParameterizedTest
    @MethodSource("splicing")
    void aClientThatResetsASplicedDownloadResetsTheOrigin(TestTransport transport) throws Exception {
        for (int attempt = 0; attempt < 20; attempt++) {
            rig = new LoopbackRig(transport, () -> new Origins.Push(SLOW_READER_BYTES), LONG_IDLE);
            try (Socket client = rig.connectClient(32 * 1024)) {
                readPattern(client.getInputStream(), new byte[8 * 1024], (2 + attempt % 4) << 20);
                assertThat(rig.relay().isSpliced(Side.UPSTREAM)).isTrue();
                client.setSoLinger(true, 0);
            }
            RelayResult result = rig.result().get(10, TimeUnit.SECONDS);
            assertThat(result.side()).as("attempt %d: %s", attempt, result).isEqualTo(Side.CLIENT);
            assertThat(result.outcome()).as("attempt %d: %s", attempt, result).isEqualTo(Outcome.EXPECTED_ERROR);
            assertThat(ExpectedErrors.isAbrupt(result.cause())).as("attempt %d: %s, passed on as a reset", attempt, result)
                    .isTrue();
            rig.close();
            rig = null;
        }
    }

    @ParameterizedTest
    @MethodSource("splicing")
    void aSplicedTunnelClosedWhileItsPipeIsFullLeavesNoDescriptorOpen(TestTransport transport) throws Exception {
        rig = new LoopbackRig(transport, () -> new Origins.Push(SLOW_READER_BYTES), LONG_IDLE);
        long before = openDescriptors();
        try (Socket client = rig.connectClient(32 * 1024)) {
            Relay relay = rig.relay();
            await().atMost(Duration.ofSeconds(10)).until(() -> relay.isSpliceWaitingForPeer(Side.UPSTREAM));
            rig.relay().close("test: closed while the pipe is full");
            assertThat(rig.result().get(10, TimeUnit.SECONDS).outcome()).isEqualTo(Outcome.CLOSED_BY_CALLER);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> openDescriptors() <= before);
    }

    /** No pipe to be had (the cap, or no file descriptors left): the direction goes on copying, losing nothing. */
    @ParameterizedTest
    @MethodSource("splicing")
    void aDirectionThatGetsNoPipeKeepsCopying(TestTransport transport) throws Exception {
        rig = new LoopbackRig(transport, transport, Origins.Echo::new, LONG_IDLE, new SplicePipes(0));
        int total = 4 << 20;
        RelayResult result = echoThenEof(total);
        assertThat(result.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(result.bytesUpstream()).isEqualTo(total);
        assertThat(result.bytesDownstream()).isEqualTo(total);
        assertThat(rig.relay().isSpliced(Side.CLIENT)).isFalse();
        assertThat(rig.relay().isSpliced(Side.UPSTREAM)).isFalse();
    }

    /**
     * Through the rig's echo origin: writes {@code total} pattern bytes and its EOF while reading them back, checks
     * the origin's EOF arrives after them, and returns the tunnel's result.
     */
    private RelayResult echoThenEof(int total) throws Exception {
        try (Socket client = rig.connectClient(0)) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> writePatternThenEof(client, total));
            InputStream in = client.getInputStream();
            readPattern(in, new byte[64 * 1024], total);
            assertThat(in.read()).as("the origin's EOF, passed on").isEqualTo(-1);
            writer.get(10, TimeUnit.SECONDS);
        }
        return rig.result().get(10, TimeUnit.SECONDS);
    }

    private static long openDescriptors() throws IOException {
        try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    /**
     * A request that ends with the client's FIN, then a download far larger than the sockets' buffers: the
     * proxy must keep writing to a client whose input has ended.
     *
     * <p>On epoll this is the case Netty 4.2.18 gets wrong by itself (netty/netty#16689: after the EOF the first
     * write that fills the socket buffer fails, and the client sees a FIN after 4 to 40 of the 64 MiB); the proxy's
     * event loops work around it ({@code KeptInEpollRegistration}, {@code NettyEpollHalfCloseBugTest}). The origin
     * is NIO so that the test does not depend on the origin's own transport having the workaround.
     */
    /**
     * An upstream that resets reaches the client as a reset, not as a clean FIN after the bytes that arrived: a client
     * that does not check TLS close_notify would otherwise take a cut download for a complete one (design §8.2).
     */
    @ParameterizedTest
    @MethodSource("transports")
    void anUpstreamResetReachesTheClientAsAReset(TestTransport transport) throws Exception {
        rig = new LoopbackRig(transport, () -> new Origins.ResetAfter(64 * 1024), LONG_IDLE);
        try (Socket client = rig.connectClient(0)) {
            InputStream in = client.getInputStream();
            byte[] buffer = new byte[8192];
            assertThatThrownBy(() -> {
                while (in.read(buffer) >= 0) {
                    // take what arrived before the reset
                }
            }).as("the read ends in a reset, never in EOF").isInstanceOf(java.net.SocketException.class)
                    .hasMessageContaining("reset");
        }
        assertThat(rig.result().get(10, TimeUnit.SECONDS).outcome()).isEqualTo(Outcome.EXPECTED_ERROR);
    }

    /**
     * A failure of the proxy's own, such as a read buffer it could not allocate with direct memory used up, cuts the
     * stream as a reset does: the client gets a reset, never a FIN that makes what arrived look complete (design §8.2).
     */
    @ParameterizedTest
    @MethodSource("transports")
    void aBufferThatCannotBeAllocatedEndsTheTunnelWithAReset(TestTransport transport) throws Exception {
        rig = new LoopbackRig(transport, Origins.Echo::new, LONG_IDLE);
        try (Socket client = rig.connectClient(0)) {
            pingPong(client);
            Relay relay = rig.relay();
            relay.upstream().eventLoop().execute(() -> relay.upstream().pipeline()
                    .fireExceptionCaught(new OutOfMemoryError("Cannot reserve 65536 bytes of direct buffer memory")));
            assertThatThrownBy(() -> client.getInputStream().read()).as("a reset, never EOF")
                    .isInstanceOf(java.net.SocketException.class).hasMessageContaining("reset");
        }
        RelayResult result = rig.result().get(10, TimeUnit.SECONDS);
        assertThat(result.outcome()).isEqualTo(Outcome.UNEXPECTED_ERROR);
        assertThat(result.cause()).isInstanceOf(OutOfMemoryError.class);
    }

    /**
     * Both ends go at once: the upstream's FIN and the client's reset are waiting together when the event loop looks.
     * Passing the FIN on (shutdown(SHUT_WR) of the client socket) then fails with ENOTCONN, which Netty reports as a
     * {@code NotYetConnectedException}: the client is gone, which is an ordinary end, never an internal error with a
     * stack trace in the log (found by the exhaustion tests, where thousands of tunnels closed at once).
     */
    @ParameterizedTest
    @MethodSource("transports")
    void aClientResetThatMeetsTheUpstreamsFinIsAnOrdinaryEnd(TestTransport transport) throws Exception {
        RelayResult result = endBothWhileTheLoopIsHeld(transport, client -> {
            client.setSoLinger(true, 0);
            client.close(); // the reset
        });
        assertThat(result.outcome()).as("%s", result).isNotEqualTo(Outcome.UNEXPECTED_ERROR);
    }

    /**
     * As above, but the client sent its FIN before its reset: both sides had ended their streams, so the tunnel
     * completed. The ENOTCONN of passing the upstream's FIN on says only that the client's socket is closed; what the
     * client sent before (here its FIN) is still to be read, and tells how the tunnel ended (on the TLS port, a
     * client's close_notify waits there the same way).
     */
    @ParameterizedTest
    @MethodSource("transports")
    void aClientFinAndResetThatMeetTheUpstreamsFinCompleteTheTunnel(TestTransport transport) throws Exception {
        RelayResult result = endBothWhileTheLoopIsHeld(transport, client -> {
            client.shutdownOutput(); // the client's FIN
            client.setSoLinger(true, 0);
            client.close(); // and its reset
        });
        assertThat(result.outcome()).as("%s", result).isEqualTo(Outcome.COMPLETED);
        assertThat(result.bytesUpstream()).isEqualTo(16);
    }

    /** What a test's client does to end its connection. */
    private interface ClientEnd {
        void end(Socket client) throws Exception;
    }

    /**
     * A tunnel that has carried 16 bytes up ends at both sides while the proxy's event loop looks at nothing: first the
     * upstream closes (its FIN, which the loop then sees first), then the client does what {@code clientEnd} says.
     */
    private RelayResult endBothWhileTheLoopIsHeld(TestTransport transport, ClientEnd clientEnd) throws Exception {
        Origins.Holder origin = new Origins.Holder();
        rig = new LoopbackRig(transport, () -> origin, LONG_IDLE);
        try (Socket client = rig.connectClient(0)) {
            client.getOutputStream().write(new byte[16]);
            client.getOutputStream().flush();
            Relay relay = rig.relay();
            io.netty.channel.Channel upstream = origin.channel.get(10, TimeUnit.SECONDS);
            java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            relay.client().eventLoop().execute(() -> {
                held.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            held.await();
            upstream.close().syncUninterruptibly();
            clientEnd.end(client);
            release.countDown();
        }
        return rig.result().get(10, TimeUnit.SECONDS);
    }

    /** And the other way: a client that resets makes the proxy reset its upstream connection. */
    @ParameterizedTest
    @MethodSource("transports")
    void aClientResetReachesTheUpstreamAsAReset(TestTransport transport) throws Exception {
        Origins.EndWatcher origin = new Origins.EndWatcher();
        rig = new LoopbackRig(transport, () -> origin, LONG_IDLE);
        try (Socket client = rig.connectClient(0)) {
            client.getOutputStream().write(new byte[1024]);
            client.getOutputStream().flush();
            rig.relay(); // the tunnel is up
            client.setSoLinger(true, 0); // close() sends RST
        }
        assertThat(origin.end.get(10, TimeUnit.SECONDS)).isEqualTo("reset");
    }

    @ParameterizedTest
    @MethodSource("transports")
    void aClientThatHalfClosesFirstStillGetsALargeDownload(TestTransport transport) throws Exception {
        long total = 64L << 20;
        rig = new LoopbackRig(transport, TestTransport.NIO, () -> new Origins.PushAfterEof(total), LONG_IDLE);

        try (Socket client = rig.connectClient(32 * 1024)) {
            client.shutdownOutput();
            InputStream in = client.getInputStream();
            readPattern(in, new byte[8 * 1024], total);
            assertThat(in.read()).as("the origin's EOF, passed on").isEqualTo(-1);
        }

        RelayResult result = rig.result().get(10, TimeUnit.SECONDS);
        assertThat(result.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(result.bytesUpstream()).isZero();
        assertThat(result.bytesDownstream()).isEqualTo(total);
    }

    @ParameterizedTest
    @MethodSource("transports")
    void aSlowReaderKeepsWhatTheProxyQueuesBounded(TestTransport transport) throws Exception {
        rig = new LoopbackRig(transport, () -> new Origins.Push(SLOW_READER_BYTES), LONG_IDLE);

        try (Socket client = rig.connectClient(32 * 1024)) {
            Relay relay = rig.relay();
            // Reading nothing yet: the origin fills the sockets' buffers, then the proxy's, and the proxy
            // must stop reading upstream.
            await().atMost(Duration.ofSeconds(10)).until(() -> transport.spliceAfter() < 0
                    ? !relay.upstream().config().isAutoRead()
                    // spliced: the upstream waits with a full pipe; the kernel holds it, the JVM nothing
                    : relay.isSpliceWaitingForPeer(Side.UPSTREAM));
            InputStream in = client.getInputStream();
            readPattern(in, new byte[8 * 1024], SLOW_READER_BYTES);
            client.shutdownOutput();
            assertThat(in.read()).isEqualTo(-1);
        }

        RelayResult result = rig.result().get(10, TimeUnit.SECONDS);
        assertThat(result.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(result.bytesDownstream()).isEqualTo(SLOW_READER_BYTES);
        assertThat(result.bytesUpstream()).isZero();
        if (transport.spliceAfter() >= 0) {
            // Spliced to the end: the EOF came with the proxy's upstream socket full, and none of what it held was
            // copied; only the bytes before the switch went through the JVM.
            assertThat(rig.relay().bytesCopied(Side.UPSTREAM)).isLessThanOrEqualTo(transport.spliceAfter() + MAX_READ);
        }
        long highWaterMark = rig.relay().client().config().getWriteBufferHighWaterMark();
        assertThat(rig.maxPendingTowardClient())
                .as("most bytes queued toward the client")
                .isPositive()
                .isLessThanOrEqualTo(highWaterMark + MAX_READ + ENTRY_OVERHEAD_ALLOWANCE);
    }

    @ParameterizedTest
    @MethodSource("transports")
    void anIdleTunnelIsClosed(TestTransport transport) throws Exception {
        Duration idle = Duration.ofMillis(300);
        rig = new LoopbackRig(transport, Origins.Echo::new, idle);

        try (Socket client = rig.connectClient(0)) {
            pingPong(client);
            RelayResult result = await().atMost(Duration.ofSeconds(5))
                    .until(() -> rig.result().getNow(null), Objects::nonNull);
            assertThat(result.outcome()).isEqualTo(Outcome.IDLE_TIMEOUT);
            assertThat(result.duration()).isGreaterThanOrEqualTo(idle);
            assertThat(client.getInputStream().read()).as("closed by the proxy").isEqualTo(-1);
        }
    }

    @ParameterizedTest
    @MethodSource("transports")
    void closeFromAnotherThreadEndsTheTunnel(TestTransport transport) throws Exception {
        rig = new LoopbackRig(transport, Origins.Echo::new, LONG_IDLE);

        try (Socket client = rig.connectClient(0)) {
            pingPong(client);
            rig.relay().close("policy reload: target no longer allowed");

            RelayResult result = rig.result().get(5, TimeUnit.SECONDS);
            assertThat(result.outcome()).isEqualTo(Outcome.CLOSED_BY_CALLER);
            assertThat(result.reason()).isEqualTo("policy reload: target no longer allowed");
            assertThat(result.bytesUpstream()).isEqualTo(4);
            assertThat(result.bytesDownstream()).isEqualTo(4);
            assertThat(client.getInputStream().read()).isEqualTo(-1);
        }
    }

    private static void pingPong(Socket client) throws IOException {
        client.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
        assertThat(client.getInputStream().readNBytes(4)).asString(StandardCharsets.US_ASCII).isEqualTo("ping");
    }

    private static byte[] patternBlock(int size) {
        byte[] block = new byte[size];
        for (int i = 0; i < size; i++) {
            block[i] = (byte) i;
        }
        return block;
    }

    private static void writePatternThenEof(Socket client, long total) {
        byte[] block = patternBlock(64 * 1024);
        try {
            OutputStream out = client.getOutputStream();
            for (long sent = 0; sent < total; sent += block.length) {
                out.write(block, 0, (int) Math.min(block.length, total - sent));
            }
            client.shutdownOutput();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads exactly {@code total} bytes and checks that byte {@code i} of the stream is {@code (byte) i}. */
    private static void readPattern(InputStream in, byte[] buffer, long total) throws IOException {
        long received = 0;
        while (received < total) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, total - received));
            if (n < 0) {
                throw new EOFException("EOF after " + received + " of " + total + " bytes");
            }
            for (int i = 0; i < n; i++) {
                if (buffer[i] != (byte) (received + i)) {
                    throw new AssertionError("byte " + (received + i) + " out of order");
                }
            }
            received += n;
        }
    }
}
