package io.acrproxy.core.tunnel;

import static io.acrproxy.core.tunnel.DuplexEmbeddedChannel.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.core.testing.NoLeaks;
import io.acrproxy.core.tunnel.RelayResult.Outcome;
import io.acrproxy.core.tunnel.RelayResult.Side;
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

        assertThat(a.isOutputShutdown()).isTrue();
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
