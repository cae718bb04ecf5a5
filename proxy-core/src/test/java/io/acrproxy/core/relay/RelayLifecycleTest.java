package io.acrproxy.core.relay;

import static io.acrproxy.core.testing.DuplexEmbeddedChannel.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.core.relay.RelayResult.Outcome;
import io.acrproxy.core.relay.RelayResult.Side;
import io.acrproxy.core.testing.DuplexEmbeddedChannel;
import io.acrproxy.core.testing.NoLeaks;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Half-close, errors, idleness and closing, on EmbeddedChannels; the listener is told exactly once. */
@ExtendWith(NoLeaks.class)
class RelayLifecycleTest {
    private static final Duration IDLE = Duration.ofSeconds(10);

    private final DuplexEmbeddedChannel client = new DuplexEmbeddedChannel();
    private final DuplexEmbeddedChannel upstream = new DuplexEmbeddedChannel();
    private final RecordingListener listener = new RecordingListener();

    @AfterEach
    void releaseEverything() {
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    private DuplexEmbeddedChannel channel(Side side) {
        return side == Side.CLIENT ? client : upstream;
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void anEofIsPassedOnAsAWriteShutdownAndTheTunnelEndsWhenBothDirectionsAre(Side first) {
        DuplexEmbeddedChannel a = channel(first);
        DuplexEmbeddedChannel b = channel(first.other());
        Relay.start(client, upstream, IDLE, listener);

        a.writeInbound(text("last words"));
        a.receiveFin();
        assertThat(b.readAllOutboundText()).isEqualTo("last words");
        assertThat(b.isOutputShutdown()).isTrue();
        assertThat(listener.called()).as("ended after one direction").isFalse();

        b.writeInbound(text("the other way still flows"));
        assertThat(a.readAllOutboundText()).isEqualTo("the other way still flows");
        b.receiveFin();

        // The last EOF is passed on by closing: a's input is at EOF already, so the close sends the FIN.
        assertThat(a.isOpen()).isFalse();
        RelayResult result = listener.single();
        assertThat(result.outcome()).isEqualTo(Outcome.COMPLETED);
        long aBytes = "last words".length();
        long bBytes = "the other way still flows".length();
        assertThat(result.bytesUpstream()).isEqualTo(first == Side.CLIENT ? aBytes : bBytes);
        assertThat(result.bytesDownstream()).isEqualTo(first == Side.CLIENT ? bBytes : aBytes);
        assertThat(result.side()).isNull();
        assertThat(client.isOpen()).isFalse();
        assertThat(upstream.isOpen()).isFalse();
    }

    /**
     * Each shutdownOutput() and each close() call makes Netty build an exception (the first with a stack
     * trace), and the close path used to make seven per tunnel: an ordinary end shuts one output down and
     * closes each channel once.
     */
    @ParameterizedTest
    @EnumSource(Side.class)
    void anOrdinaryEndShutsDownOneOutputAndClosesEachChannelOnce(Side first) {
        DuplexEmbeddedChannel a = channel(first);
        DuplexEmbeddedChannel b = channel(first.other());
        Relay.start(client, upstream, IDLE, listener);
        a.writeInbound(text("request"));
        b.writeInbound(text("response"));

        a.receiveFin();
        b.receiveFin();

        assertThat(listener.single().outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(b.outputShutdowns()).isEqualTo(1);
        assertThat(a.outputShutdowns()).as("the last EOF is passed on by the close").isZero();
        assertThat(a.closeCalls()).isEqualTo(1);
        assertThat(b.closeCalls()).isEqualTo(1);
        assertThat(b.readAllOutboundText()).isEqualTo("request");
        assertThat(a.readAllOutboundText()).isEqualTo("response");
    }

    @Test
    void aChannelWhoseOutputIsShutClosesAtItsEofInsteadOfHalfClosing() {
        Relay.start(client, upstream, IDLE, listener);
        assertThat(upstream.config().getOption(ChannelOption.ALLOW_HALF_CLOSURE)).isTrue();

        client.receiveFin();
        assertThat(upstream.isOutputShutdown()).isTrue();
        assertThat(upstream.config().getOption(ChannelOption.ALLOW_HALF_CLOSURE))
                .as("no shutdown(SHUT_RD) at its EOF: it would fail with ENOTCONN")
                .isFalse();
        assertThat(client.config().getOption(ChannelOption.ALLOW_HALF_CLOSURE))
                .as("the client still receives: it stays half-closed")
                .isTrue();

        upstream.writeInbound(text("last bytes"));
        upstream.receiveFin(); // a close, with half-closure off

        RelayResult result = listener.single();
        assertThat(result.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(result.side()).isNull();
        assertThat(client.readAllOutboundText()).isEqualTo("last bytes");
        assertThat(client.isOpen()).isFalse();
        assertThat(client.outputShutdowns()).isZero();
        assertThat(upstream.closeCalls()).isEqualTo(1);
    }

    @Test
    void theLastEofClosesThePeerOnlyOnceWhatWasQueuedForItIsWritten() {
        client.stall();
        Relay.start(client, upstream, IDLE, listener);
        client.receiveFin();
        upstream.writeInbound(text("queued"));

        upstream.receiveFin();
        assertThat(client.isOpen()).as("closed while bytes were queued").isTrue();
        assertThat(listener.called()).isFalse();

        client.drain();
        assertThat(client.readAllOutboundText()).isEqualTo("queued");
        assertThat(client.isOpen()).isFalse();
        assertThat(listener.single().outcome()).isEqualTo(Outcome.COMPLETED);
    }

    @Test
    void theWriteShutdownWaitsUntilTheBytesQueuedBeforeItAreWritten() {
        upstream.stall();
        Relay.start(client, upstream, IDLE, listener);

        client.writeInbound(text("queued"));
        client.receiveFin();
        assertThat(upstream.isOutputShutdown()).as("shut down while bytes were queued").isFalse();

        upstream.drain();
        assertThat(upstream.isOutputShutdown()).isTrue();
        assertThat(upstream.queuedAtOutputShutdown()).isZero();
        assertThat(upstream.readAllOutboundText()).isEqualTo("queued");
    }

    @Test
    void bothShutdownEventsOfOneEofShutDownThePeerOnce() {
        Relay.start(client, upstream, IDLE, listener);

        client.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        client.pipeline().fireUserEventTriggered(ChannelInputShutdownReadComplete.INSTANCE);

        assertThat(upstream.outputShutdowns()).isEqualTo(1);
    }

    @Test
    void readCompleteAloneCountsAsEof() {
        Relay.start(client, upstream, IDLE, listener);

        upstream.pipeline().fireUserEventTriggered(ChannelInputShutdownReadComplete.INSTANCE);

        assertThat(client.isOutputShutdown()).isTrue();
    }

    @Test
    void anInputShutDownBeforeTheStartCountsAsEofAfterTheBufferedBytes() {
        client.shutdownInput();

        Relay.start(client, upstream, text("ClientHello"), IDLE, listener);

        assertThat(upstream.readAllOutboundText()).isEqualTo("ClientHello");
        assertThat(upstream.isOutputShutdown()).isTrue();
        assertThat(upstream.queuedAtOutputShutdown()).isZero();
        assertThat(client.config().isAutoRead()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void anExpectedErrorOnOneSideClosesBoth(Side failing) {
        Relay.start(client, upstream, IDLE, listener);
        IOException reset = new IOException("Connection reset by peer");

        channel(failing).pipeline().fireExceptionCaught(reset);

        RelayResult result = listener.single();
        assertThat(result.outcome()).isEqualTo(Outcome.EXPECTED_ERROR);
        assertThat(result.side()).isEqualTo(failing);
        assertThat(result.cause()).isSameAs(reset);
        assertThat(result.isError()).isTrue();
        assertThat(client.isOpen()).isFalse();
        assertThat(upstream.isOpen()).isFalse();
    }

    @Test
    void anUnexpectedErrorIsReportedAsSuch() {
        Relay.start(client, upstream, IDLE, listener);

        upstream.pipeline().fireExceptionCaught(new IllegalStateException("a bug"));

        assertThat(listener.single().outcome()).isEqualTo(Outcome.UNEXPECTED_ERROR);
    }

    @Test
    void aFailedWriteClosesBoth() {
        upstream.failWritesWith(new IOException("Broken pipe"));
        Relay.start(client, upstream, IDLE, listener);

        client.writeInbound(text("into a broken pipe"));

        RelayResult result = listener.single();
        assertThat(result.outcome()).isEqualTo(Outcome.EXPECTED_ERROR);
        assertThat(result.side()).isEqualTo(Side.UPSTREAM);
        assertThat(result.cause()).hasMessage("Broken pipe");
        assertThat(result.bytesUpstream()).isEqualTo(18);
        assertThat(client.isOpen()).isFalse();
        assertThat(upstream.isOpen()).isFalse();
    }

    @Test
    void aChannelClosedElsewhereClosesThePeerAfterFlushingWhatWasWrittenToIt() {
        Relay.start(client, upstream, IDLE, listener);
        client.pipeline().fireChannelRead(text("written, not yet flushed"));

        client.close();

        RelayResult result = listener.single();
        assertThat(result.outcome()).isEqualTo(Outcome.CHANNEL_CLOSED);
        assertThat(result.side()).isEqualTo(Side.CLIENT);
        assertThat(upstream.isOpen()).isFalse();
        assertThat(upstream.readAllOutboundText()).isEqualTo("written, not yet flushed");
    }

    @Test
    void aPeerThatNeverDrainsIsClosedAfterOneIdlePeriod() {
        upstream.freezeTime();
        upstream.stall();
        Relay.start(client, upstream, IDLE, listener);
        client.writeInbound(text("never read"));

        client.close();
        upstream.advanceTimeBy(IDLE.toNanos() - 1, TimeUnit.NANOSECONDS);
        upstream.runScheduledPendingTasks();
        assertThat(upstream.isOpen()).as("still flushing").isTrue();

        upstream.advanceTimeBy(1, TimeUnit.NANOSECONDS);
        upstream.runScheduledPendingTasks();
        assertThat(upstream.isOpen()).isFalse();
    }

    @Test
    void endsAfterTheIdleTimeoutWithNoByteEitherWay() {
        client.freezeTime();
        Relay.start(client, upstream, IDLE, listener);

        advance(Duration.ofSeconds(9));
        client.writeInbound(text("a"));
        advance(Duration.ofSeconds(9));
        upstream.writeInbound(text("b"));
        advance(Duration.ofSeconds(9));
        assertThat(listener.called()).as("a byte each way reset the timer").isFalse();

        advance(Duration.ofSeconds(1));
        RelayResult result = listener.single();
        assertThat(result.outcome()).isEqualTo(Outcome.IDLE_TIMEOUT);
        assertThat(result.duration()).isEqualTo(Duration.ofSeconds(28));
        assertThat(result.bytesUpstream()).isEqualTo(1);
        assertThat(result.bytesDownstream()).isEqualTo(1);
        assertThat(client.isOpen()).isFalse();
        assertThat(upstream.isOpen()).isFalse();
        assertThat(upstream.readAllOutboundText()).isEqualTo("a");
        assertThat(client.readAllOutboundText()).isEqualTo("b");
    }

    @Test
    void aSlowReaderThatKeepsTakingBytesIsNotIdle() {
        client.freezeTime();
        client.stall();
        Relay.start(client, upstream, IDLE, listener);
        upstream.writeInbound(text("a download the client reads slowly"));

        advance(Duration.ofSeconds(9));
        client.drain(); // the client took the bytes, though nothing was read either way
        advance(Duration.ofSeconds(9));
        assertThat(listener.called()).as("output moved within the period").isFalse();

        advance(Duration.ofSeconds(11));
        assertThat(listener.single().outcome()).isEqualTo(Outcome.IDLE_TIMEOUT);
    }

    @Test
    void aReaderThatTakesNothingIsIdleAlthoughBytesAreQueuedForIt() {
        client.freezeTime();
        client.stall();
        Relay.start(client, upstream, IDLE, listener);
        upstream.writeInbound(text("never read"));

        advance(Duration.ofSeconds(10));

        assertThat(listener.single().outcome()).isEqualTo(Outcome.IDLE_TIMEOUT);
    }

    @Test
    void theIdleTimerIsCancelledWhenTheTunnelEnds() {
        client.freezeTime();
        Relay relay = Relay.start(client, upstream, IDLE, listener);

        relay.close("test");

        assertThat(client.runScheduledPendingTasks()).as("delay to the next scheduled task: none").isEqualTo(-1);
        assertThat(listener.single().outcome()).isEqualTo(Outcome.CLOSED_BY_CALLER);
    }

    private void advance(Duration duration) {
        client.advanceTimeBy(duration.toNanos(), TimeUnit.NANOSECONDS);
        client.runScheduledPendingTasks();
    }

    @Test
    void closeEndsTheTunnelWithTheCallersReasonAndReleasesWhatWasQueued() {
        client.freezeTime();
        Relay relay = Relay.start(client, upstream, IDLE, listener);
        client.pipeline().fireChannelRead(text("queued when revoked"));
        client.advanceTimeBy(3, TimeUnit.SECONDS);

        relay.close("policy reload: host no longer allowed");

        RelayResult result = listener.single();
        assertThat(result.outcome()).isEqualTo(Outcome.CLOSED_BY_CALLER);
        assertThat(result.reason()).isEqualTo("policy reload: host no longer allowed");
        assertThat(result.duration()).isEqualTo(Duration.ofSeconds(3));
        assertThat(result.bytesUpstream()).isEqualTo(19);
        assertThat(client.isOpen()).isFalse();
        assertThat(upstream.isOpen()).isFalse();
    }

    @Test
    void theListenerIsToldOnceWhateverHappensAfterTheEnd() {
        client.stall(); // keeps the client open, with its handlers, while the relay flushes to it
        Relay relay = Relay.start(client, upstream, IDLE, listener);
        upstream.writeInbound(text("queued for the client"));
        upstream.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));

        relay.close("again");
        client.pipeline().fireExceptionCaught(new ClosedChannelException());
        client.receiveFin();
        client.close();

        assertThat(listener.single().outcome()).isEqualTo(Outcome.EXPECTED_ERROR);
    }

    @Test
    void aFailingListenerDoesNotStopTheClose() {
        Relay relay = Relay.start(client, upstream, IDLE, result -> {
            throw new IllegalStateException("listener bug");
        });

        relay.close("test");

        assertThat(client.isOpen()).isFalse();
        assertThat(upstream.isOpen()).isFalse();
    }
}
