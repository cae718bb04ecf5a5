package io.acrproxy.core.request;

import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.core.testing.TrackingAllocator;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * An {@link EmbeddedChannel} holding one {@link RequestHeadDecoder} named {@code "head"}, fed with
 * tracked buffers. Closing it closes the channel and asserts that every buffer was released.
 */
final class HeadChannel implements AutoCloseable {
    final TrackingAllocator alloc = new TrackingAllocator();
    final EmbeddedChannel channel = new EmbeddedChannel();
    final RequestHeadDecoder decoder;

    HeadChannel() {
        this(RequestHeadDecoder.DEFAULT_MAX_HEADER_BYTES);
    }

    HeadChannel(int maxHeaderBytes) {
        this(new RequestHeadDecoder(maxHeaderBytes));
    }

    HeadChannel(RequestHeadDecoder decoder) {
        this.decoder = decoder;
        channel.config().setAllocator(alloc);
        channel.pipeline().addLast("head", decoder);
    }

    /** Writes each chunk as its own read (and read-complete), as separate TCP segments would arrive. */
    HeadChannel write(String... chunks) {
        for (String chunk : chunks) {
            channel.writeInbound(alloc.bytes(chunk));
        }
        return this;
    }

    HeadChannel writeBytewise(String text) {
        for (int i = 0; i < text.length(); i++) {
            write(text.substring(i, i + 1));
        }
        return this;
    }

    /** The one message the decoder emitted; fails when there is none or more than one. */
    Object single() {
        Object message = channel.readInbound();
        assertThat(message).as("the decoder's message").isNotNull();
        assertThat(channel.<Object>readInbound()).as("a second message").isNull();
        return message;
    }

    RequestHead head() {
        return (RequestHead) assertThat(single()).isInstanceOf(RequestHead.class).actual();
    }

    RequestHeadError error() {
        return (RequestHeadError) assertThat(single()).isInstanceOf(RequestHeadError.class).actual();
    }

    void assertNoMessage() {
        assertThat(channel.<Object>readInbound()).isNull();
    }

    @Override
    public void close() {
        channel.finishAndReleaseAll();
        alloc.assertAllReleased();
    }
}
