package io.acrproxy.core.relay;

import static io.acrproxy.core.testing.DuplexEmbeddedChannel.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.acrproxy.core.relay.RelayResult.Outcome;
import io.acrproxy.core.relay.RelayResult.Side;
import io.acrproxy.core.testing.DuplexEmbeddedChannel;
import io.acrproxy.core.testing.NoLeaks;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Forwarding, counting, flushing and backpressure, on EmbeddedChannels. */
@ExtendWith(NoLeaks.class)
class RelayForwardingTest {
    private static final Duration IDLE = Duration.ofMinutes(10);

    private final DuplexEmbeddedChannel client = new DuplexEmbeddedChannel();
    private final DuplexEmbeddedChannel upstream = new DuplexEmbeddedChannel();
    private final RecordingListener listener = new RecordingListener();

    @AfterEach
    void releaseEverything() {
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    @Test
    void forwardsBothWaysInOrderAndCountsEachDirection() {
        Relay relay = Relay.start(client, upstream, IDLE, listener);

        client.writeInbound(text("GET "), text("/v2/"));
        upstream.writeInbound(text("HTTP/1.1 200 OK"));
        client.writeInbound(text(" HTTP/1.1"));

        assertThat(upstream.readAllOutboundText()).isEqualTo("GET /v2/ HTTP/1.1");
        assertThat(client.readAllOutboundText()).isEqualTo("HTTP/1.1 200 OK");
        relay.close("test over");
        RelayResult result = listener.single();
        assertThat(result.bytesUpstream()).isEqualTo(17);
        assertThat(result.bytesDownstream()).isEqualTo(15);
    }

    @Test
    void flushesOnlyWhenTheReadLoopCompletes() {
        Relay.start(client, upstream, IDLE, listener);

        client.pipeline().fireChannelRead(text("one"));
        client.pipeline().fireChannelRead(text("two"));
        assertThat(upstream.outboundMessages()).as("flushed before read-complete").isEmpty();
        assertThat(upstream.pendingBytes()).isPositive();

        client.pipeline().fireChannelReadComplete();
        assertThat(upstream.readAllOutboundText()).isEqualTo("onetwo");
    }

    @Test
    void sendsBufferedClientBytesFirstAndCountsThem() {
        Relay.start(client, upstream, text("HELLO"), IDLE, listener);

        assertThat(upstream.readOutboundText()).as("flushed at start").isEqualTo("HELLO");
        client.writeInbound(text("!"));
        assertThat(upstream.readOutboundText()).isEqualTo("!");
        client.close();
        assertThat(listener.single().bytesUpstream()).isEqualTo(6);
    }

    @Test
    void anEmptyBufferedBufferIsReleasedAndNotCounted() {
        ByteBuf empty = text("");
        Relay.start(client, upstream, empty, IDLE, listener);

        assertThat(empty.refCnt()).isZero();
        assertThat(upstream.outboundMessages()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void stopsReadingWhileThePeerIsUnwritableAndResumesWhenItDrains(Side reader) {
        DuplexEmbeddedChannel from = reader == Side.CLIENT ? client : upstream;
        DuplexEmbeddedChannel to = reader == Side.CLIENT ? upstream : client;
        to.withWaterMark(8, 16).stall();
        Relay.start(client, upstream, IDLE, listener);
        assertThat(from.config().isAutoRead()).isTrue();

        from.writeInbound(text("more than sixteen bytes"));
        assertThat(to.isWritable()).isFalse();
        assertThat(from.config().isAutoRead()).as("reading from the side that fills the slow one").isFalse();
        assertThat(to.config().isAutoRead()).as("the other direction is not held back").isTrue();

        to.drain();
        assertThat(to.isWritable()).isTrue();
        assertThat(from.config().isAutoRead()).isTrue();
        assertThat(to.readAllOutboundText()).isEqualTo("more than sixteen bytes");
    }

    @Test
    void stopsReadingAsSoonAsAWriteMakesThePeerUnwritableEvenBeforeTheFlush() {
        upstream.withWaterMark(8, 16);
        Relay.start(client, upstream, IDLE, listener);

        client.pipeline().fireChannelRead(text("x"));
        assertThat(client.config().isAutoRead()).isFalse();

        client.pipeline().fireChannelReadComplete();
        assertThat(client.config().isAutoRead()).as("the flush drained it below the low water mark").isTrue();
        assertThat(upstream.readOutboundText()).isEqualTo("x");
    }

    @Test
    void startsWithReadsOffWhenTheBufferedBytesAlreadyFillThePeer() {
        upstream.withWaterMark(8, 16).stall();
        Relay.start(client, upstream, text("a large ClientHello"), IDLE, listener);

        assertThat(client.config().isAutoRead()).isFalse();
        upstream.drain();
        assertThat(client.config().isAutoRead()).isTrue();
        assertThat(upstream.readOutboundText()).isEqualTo("a large ClientHello");
    }

    @Test
    void releasesWhatArrivesAfterTheTunnelEnded() {
        // The client stays open while the relay flushes to it before closing: its reads must go nowhere.
        client.stall();
        Relay.start(client, upstream, IDLE, listener);
        upstream.writeInbound(text("queued for the client")); // a client with nothing queued is closed at once
        upstream.pipeline().fireExceptionCaught(new java.io.IOException("Connection reset by peer"));
        assertThat(client.isOpen()).isTrue();
        assertThat(client.config().isAutoRead()).isFalse();
        ByteBuf late = text("late");

        client.pipeline().fireChannelRead(late);

        assertThat(late.refCnt()).isZero();
        assertThat(upstream.outboundMessages()).isEmpty();
    }

    @Test
    void leavesTheHandlersBeforeItInPlaceAndAddsItsOwnAtTheEnd() {
        client.pipeline().addLast("inspector-leftover", new io.netty.channel.ChannelInboundHandlerAdapter());
        Relay.start(client, upstream, IDLE, listener);

        assertThat(client.pipeline().names())
                .containsSubsequence("inspector-leftover", Relay.HANDLER_NAME);
        assertThat(client.pipeline().last()).isInstanceOf(RelayHandler.class);
        assertThat(upstream.pipeline().last()).isInstanceOf(RelayHandler.class);
    }

    @Test
    void refusesChannelsThatCannotHalfCloseAndReleasesTheBufferedBytes() {
        EmbeddedChannel plain = new EmbeddedChannel();
        ByteBuf hello = text("hello");
        try {
            assertThatThrownBy(() -> Relay.start(plain, upstream, hello, IDLE, listener))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("DuplexChannel");
            assertThat(hello.refCnt()).isZero();
        } finally {
            plain.finishAndReleaseAll();
        }
    }

    @Test
    void refusesToStartTwiceOnOneChannelAndReleasesTheBufferedBytes() {
        Relay.start(client, upstream, IDLE, listener);
        ByteBuf hello = text("hello");

        assertThatThrownBy(() -> Relay.start(client, upstream, hello, IDLE, listener))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(hello.refCnt()).isZero();
    }

    @Test
    void refusesANonPositiveIdleTimeout() {
        assertThatThrownBy(() -> Relay.start(client, upstream, Duration.ZERO, listener))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("idleTimeout");
    }

    @Test
    void aChannelClosedBeforeTheStartEndsTheTunnelAtOnce() {
        client.close();
        ByteBuf hello = text("hello");

        Relay.start(client, upstream, hello, IDLE, listener);

        RelayResult result = listener.single();
        assertThat(result.outcome()).isEqualTo(Outcome.CHANNEL_CLOSED);
        assertThat(result.side()).isEqualTo(Side.CLIENT);
        assertThat(result.bytesUpstream()).isZero();
        assertThat(hello.refCnt()).isZero();
        assertThat(upstream.isOpen()).isFalse();
    }
}
