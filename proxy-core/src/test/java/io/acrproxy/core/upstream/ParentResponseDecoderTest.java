package io.acrproxy.core.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A parent proxy's answer to CONNECT: the head only, bounded, and nothing behind it consumed. */
class ParentResponseDecoderTest {
    private final EmbeddedChannel ch = new EmbeddedChannel(new ParentResponseDecoder());

    @AfterEach
    void close() {
        ch.finishAndReleaseAll();
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    @Test
    void aSuccessfulAnswerIsOneResponseAndTheBytesBehindItStayForTheTunnel() {
        ch.writeInbound(ascii("HTTP/1.1 200 Connection established\r\nVia: 1.1 squid\r\n\r\n\u0016\u0003\u0003server"));

        assertThat((Object) ch.readInbound()).isEqualTo(new ParentResponseDecoder.Response(200, "Connection established"));
        assertThat((Object) ch.readInbound()).isNull();

        ch.pipeline().removeFirst(); // what the relay's start does: the held bytes go on
        ByteBuf held = ch.readInbound();
        assertThat(held.toString(StandardCharsets.ISO_8859_1)).isEqualTo("\u0016\u0003\u0003server");
        held.release();
    }

    @Test
    void anAnswerSplitAcrossReadsAndWithBareLineFeedsAndInterim1xxHeads() {
        for (String part : new String[] {"HTTP/1.1 100 Continue\n\nHTTP/1.0 4", "07 Proxy Authentication Required\r\nProxy-Au",
                "thenticate: Basic realm=\"corp\"\r\n", "\r\n"}) {
            ch.writeInbound(ascii(part));
        }

        assertThat((Object) ch.readInbound()).isEqualTo(new ParentResponseDecoder.Response(407,
                "Proxy Authentication Required"));
    }

    @Test
    void aStatusLineWithoutAReasonPhraseIsAccepted() {
        ch.writeInbound(ascii("HTTP/1.1 200\r\n\r\n"));

        assertThat((Object) ch.readInbound()).isEqualTo(new ParentResponseDecoder.Response(200, ""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"SSH-2.0-OpenSSH_9.2\r\n\r\n", "HTTP/2 200\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n",
            "HTTP/1.1 200 OK\r\n folded\r\n\r\n", "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
            "HTTP/1.1 200 Connection\restablished\r\n\r\n", "HTTP/1.1 200 OK\u0000\r\n\r\n"})
    void anythingElseIsMalformed(String answer) {
        ch.writeInbound(ascii(answer));

        assertThat((Object) ch.readInbound()).isInstanceOf(ParentResponseDecoder.Malformed.class);
    }

    @Test
    void anOversizedHeadIsRefusedAsSoonAsItsBytesProveIt() {
        ch.writeInbound(ascii("HTTP/1.1 200 OK\r\n"));
        ByteBuf filler = Unpooled.buffer();
        while (filler.readableBytes() <= ParentResponseDecoder.MAX_HEAD_BYTES) {
            filler.writeCharSequence("X-Filler: " + "x".repeat(100) + "\r\n", StandardCharsets.US_ASCII);
        }
        ch.writeInbound(filler);

        assertThat((Object) ch.readInbound()).isEqualTo(new ParentResponseDecoder.Malformed(
                "its answer's head is larger than " + ParentResponseDecoder.MAX_HEAD_BYTES + " bytes"));
    }

    @Test
    void aLineThatNeverEndsIsRefusedWithoutWaitingForItsEnd() {
        ch.writeInbound(ascii("HTTP/1.1 200 " + "x".repeat(ParentResponseDecoder.MAX_LINE_BYTES + 1)));

        assertThat((Object) ch.readInbound()).isInstanceOf(ParentResponseDecoder.Malformed.class);
    }
}
