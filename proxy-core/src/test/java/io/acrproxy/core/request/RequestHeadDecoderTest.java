package io.acrproxy.core.request;

import static io.acrproxy.core.request.RequestHead.Version.HTTP_1_0;
import static io.acrproxy.core.request.RequestHead.Version.HTTP_1_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.acrproxy.core.request.RequestHead.Header;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Heads the decoder accepts, how they may be split, and what happens to the bytes behind them. */
class RequestHeadDecoderTest {
    private static final String TARGET = "myreg.azurecr.io:443";
    private static final String CLIENT_HELLO_START = "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003";

    static Stream<Arguments> validHeads() {
        return Stream.of(
                arguments("CRLF", "CONNECT myreg.azurecr.io:443 HTTP/1.1\r\nHost: myreg.azurecr.io:443\r\n\r\n",
                        head("CONNECT", HTTP_1_1, h("Host", TARGET))),
                arguments("bare LF", "CONNECT myreg.azurecr.io:443 HTTP/1.1\nHost: myreg.azurecr.io:443\n\n",
                        head("CONNECT", HTTP_1_1, h("Host", TARGET))),
                arguments("mixed line ends", "CONNECT myreg.azurecr.io:443 HTTP/1.1\nHost: x\r\nA: b\n\r\n",
                        head("CONNECT", HTTP_1_1, h("Host", "x"), h("A", "b"))),
                arguments("leading empty lines", "\r\n\n\r\nCONNECT myreg.azurecr.io:443 HTTP/1.1\r\n\r\n",
                        head("CONNECT", HTTP_1_1)),
                arguments("HTTP/1.0", "CONNECT myreg.azurecr.io:443 HTTP/1.0\r\n\r\n", head("CONNECT", HTTP_1_0)),
                arguments("no headers", "CONNECT myreg.azurecr.io:443 HTTP/1.1\r\n\r\n", head("CONNECT", HTTP_1_1)),
                arguments("OWS around values", "CONNECT myreg.azurecr.io:443 HTTP/1.1\r\n"
                                + "User-Agent: \t curl/8.5.0 \t\r\nX-Empty:\r\nX-Blank: \t \r\nX-Inner: a  \tb\r\n\r\n",
                        head("CONNECT", HTTP_1_1, h("User-Agent", "curl/8.5.0"), h("X-Empty", ""),
                                h("X-Blank", ""), h("X-Inner", "a  \tb"))),
                arguments("token punctuation in names", "CONNECT myreg.azurecr.io:443 HTTP/1.1\r\n"
                                + "!#$%&'*+-.^_`|~09Az: v\r\n\r\n",
                        head("CONNECT", HTTP_1_1, h("!#$%&'*+-.^_`|~09Az", "v"))),
                arguments("obs-text kept as ISO-8859-1", "CONNECT myreg.azurecr.io:443 HTTP/1.1\r\nX-Note: caf\u00e9\u00ff\r\n\r\n",
                        head("CONNECT", HTTP_1_1, h("X-Note", "caf\u00e9\u00ff"))),
                arguments("Host ignored: missing", "CONNECT myreg.azurecr.io:443 HTTP/1.1\r\nUser-Agent: x\r\n\r\n",
                        head("CONNECT", HTTP_1_1, h("User-Agent", "x"))),
                arguments("Host ignored: another host, twice", "CONNECT myreg.azurecr.io:443 HTTP/1.1\r\n"
                                + "Host: evil.example:443\r\nHost: b\r\n\r\n",
                        head("CONNECT", HTTP_1_1, h("Host", "evil.example:443"), h("Host", "b"))),
                arguments("Content-Length: 0 on CONNECT", "CONNECT myreg.azurecr.io:443 HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
                        head("CONNECT", HTTP_1_1, h("Content-Length", "0"))),
                arguments("colon inside a value", "CONNECT myreg.azurecr.io:443 HTTP/1.1\r\nProxy-Authorization: Basic YTpi:c\r\n\r\n",
                        head("CONNECT", HTTP_1_1, h("Proxy-Authorization", "Basic YTpi:c"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validHeads")
    void acceptsValidHeads(String name, String input, RequestHead expected) {
        try (HeadChannel ch = new HeadChannel()) {
            assertThat(ch.write(input).head()).isEqualTo(expected);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validHeads")
    void acceptsValidHeadsOneByteAtATime(String name, String input, RequestHead expected) {
        try (HeadChannel ch = new HeadChannel()) {
            for (int i = 0; i < input.length() - 1; i++) {
                ch.write(input.substring(i, i + 1));
                ch.assertNoMessage();
            }
            ch.write(input.substring(input.length() - 1));
            assertThat(ch.head()).isEqualTo(expected);
        }
    }

    @Test
    void givesTheSameHeadWhereverTheInputIsSplit() {
        String input = "\r\nCONNECT myreg.azurecr.io:443 HTTP/1.1\r\nHost: myreg.azurecr.io:443\r\n"
                + "Proxy-Authorization: Basic dTpw\r\n\r\n";
        RequestHead expected = head("CONNECT", HTTP_1_1, h("Host", TARGET), h("Proxy-Authorization", "Basic dTpw"));
        for (int split = 1; split < input.length(); split++) {
            try (HeadChannel ch = new HeadChannel()) {
                ch.write(input.substring(0, split), input.substring(split));
                assertThat(ch.head()).as("split at %d", split).isEqualTo(expected);
            }
        }
    }

    @Test
    void returnsOtherMethodsAndTargetsAsSent() {
        try (HeadChannel ch = new HeadChannel()) {
            RequestHead head = ch.write("GET http://myreg.azurecr.io/v2/ HTTP/1.1\r\nContent-Length: 5\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n").head();

            assertThat(head.method()).isEqualTo("GET");
            assertThat(head.target()).isEqualTo("http://myreg.azurecr.io/v2/");
            assertThat(head.isConnect()).isFalse();
        }
    }

    @Test
    void methodsAreCaseSensitive() {
        try (HeadChannel ch = new HeadChannel()) {
            RequestHead head = ch.write("connect myreg.azurecr.io:443 HTTP/1.1\r\n\r\n").head();

            assertThat(head.method()).isEqualTo("connect");
            assertThat(head.isConnect()).isFalse();
        }
    }

    @Test
    void headerNamesAreCaseInsensitive() {
        try (HeadChannel ch = new HeadChannel()) {
            RequestHead head = ch.write("CONNECT myreg.azurecr.io:443 HTTP/1.1\r\nproxy-AUTHORIZATION: Basic a\r\n"
                    + "X-Twice: 1\r\nx-twice: 2\r\n\r\n").head();

            assertThat(head.header("Proxy-Authorization")).isEqualTo("Basic a");
            assertThat(head.header("X-TWICE")).isEqualTo("1");
            assertThat(head.headers("X-Twice")).containsExactly("1", "2");
            assertThat(head.header("Host")).isNull();
            assertThat(head.headers("Host")).isEmpty();
            assertThat(head.headers().get(0).name()).isEqualTo("proxy-AUTHORIZATION");
        }
    }

    @Test
    void acceptsARequestLineOfExactlyTheLimitEvenWhenItsCrArrivesAlone() {
        String line = requestLineOfLength(RequestHeadDecoder.MAX_REQUEST_LINE_BYTES);
        try (HeadChannel ch = new HeadChannel()) {
            ch.write(line, "\r");
            ch.assertNoMessage();
            ch.write("\n\r\n");
            assertThat(ch.head().target()).hasSize(RequestHeadDecoder.MAX_REQUEST_LINE_BYTES - "CONNECT  HTTP/1.1".length());
        }
    }

    @Test
    void acceptsExactlyOneHundredHeaderLines() {
        StringBuilder in = new StringBuilder("CONNECT myreg.azurecr.io:443 HTTP/1.1\r\n");
        for (int i = 0; i < RequestHeadDecoder.MAX_HEADER_LINES; i++) {
            in.append("X-").append(i).append(": v\r\n");
        }
        try (HeadChannel ch = new HeadChannel()) {
            assertThat(ch.write(in.append("\r\n").toString()).head().headers()).hasSize(100);
        }
    }

    @Test
    void acceptsAHeadOfExactlyMaxHeaderBytes() {
        String head = headOfLength(1000);
        try (HeadChannel ch = new HeadChannel(1000)) {
            assertThat(ch.write(head).head().header("X-Pad")).startsWith("aaa");
        }
    }

    @Test
    void keepsTheBytesBehindTheHeadForTheNextHandler() {
        String head = "CONNECT myreg.azurecr.io:443 HTTP/1.1\r\nHost: myreg.azurecr.io:443\r\n\r\n";
        try (HeadChannel ch = new HeadChannel()) {
            ch.write(head + CLIENT_HELLO_START);
            assertThat(ch.head().target()).isEqualTo(TARGET);

            ch.channel.pipeline().remove(ch.decoder);

            assertThat(readAll(ch)).isEqualTo(CLIENT_HELLO_START);
        }
    }

    @Test
    void keepsBytesThatArriveAfterTheHeadUntilRemoved() {
        try (HeadChannel ch = new HeadChannel()) {
            ch.write("CONNECT myreg.azurecr.io:443 HTTP/1.1\n", "\nabc", "def");
            assertThat(ch.head().target()).isEqualTo(TARGET);
            ch.assertNoMessage();

            ch.channel.pipeline().remove(ch.decoder);

            assertThat(readAll(ch)).isEqualTo("abcdef");
        }
    }

    @Test
    void handsOnTheBytesWhenTheNextHandlerRemovesTheDecoderWhileHandlingTheHead() {
        try (HeadChannel ch = new HeadChannel()) {
            ch.channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    ctx.fireChannelRead(msg);
                    if (msg instanceof RequestHead) {
                        // The buffered bytes reach this handler again, re-entrantly, before remove() returns.
                        ctx.pipeline().remove(RequestHeadDecoder.class);
                    }
                }
            });
            ch.write("CONNECT myreg.azurecr.io:443 HTTP/1.1\r\n\r\n" + CLIENT_HELLO_START);

            assertThat(ch.channel.<Object>readInbound()).isInstanceOf(RequestHead.class);
            assertThat(readAll(ch)).isEqualTo(CLIENT_HELLO_START);
        }
    }

    @Test
    void aFreshDecoderReadsTheNextHeadOnTheSameConnection() {
        // After a 407 a client may send the CONNECT again, with credentials, on the same connection.
        try (HeadChannel ch = new HeadChannel()) {
            ch.write("CONNECT myreg.azurecr.io:443 HTTP/1.1\r\n\r\nCONNECT myreg.azurecr.io:443 HTTP/1.1\r\n");
            assertThat(ch.head().header("Proxy-Authorization")).isNull();

            ch.channel.pipeline().replace("head", "head", new RequestHeadDecoder(RequestHeadDecoder.DEFAULT_MAX_HEADER_BYTES));
            ch.assertNoMessage();
            ch.write("Proxy-Authorization: Basic dTpw\r\n\r\n");

            assertThat(ch.head().header("Proxy-Authorization")).isEqualTo("Basic dTpw");
        }
    }

    @Test
    void requestsReadsUntilTheHeadIsCompleteAndNoneAfter() {
        try (HeadChannel ch = new HeadChannel()) {
            int[] reads = {0};
            ch.channel.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
                @Override
                public void read(ChannelHandlerContext ctx) {
                    reads[0]++;
                    ctx.read();
                }
            });
            ch.channel.config().setAutoRead(false);
            reads[0] = 0;

            ch.write("CONNECT myreg.azurecr.io:443 HTTP/1.1\r\n");
            assertThat(reads[0]).as("reads requested for an incomplete head").isEqualTo(1);

            ch.write("\r\n" + CLIENT_HELLO_START);
            ch.write("more");
            assertThat(reads[0]).as("reads requested after the head").isEqualTo(1);
            assertThat(ch.head().target()).isEqualTo(TARGET);
        }
    }

    @Test
    void bytesBehindTheHeadStopReadingUntilTheNextHandlerIsReady() {
        try (HeadChannel ch = new HeadChannel()) {
            ch.write("CONNECT myreg.azurecr.io:443 HTTP/1.1\r\n\r\n");
            assertThat(ch.head().target()).isEqualTo(TARGET);
            assertThat(ch.channel.config().isAutoRead()).as("nothing behind the head: reading left alone").isTrue();

            ch.write(CLIENT_HELLO_START);
            assertThat(ch.channel.config().isAutoRead()).as("bytes held: no more reads").isFalse();
        }
    }

    @Test
    void aHeadWithBytesBehindItInTheSameReadStopsReading() {
        try (HeadChannel ch = new HeadChannel()) {
            ch.write("CONNECT myreg.azurecr.io:443 HTTP/1.1\r\n\r\n" + CLIENT_HELLO_START);

            assertThat(ch.head().target()).isEqualTo(TARGET);
            assertThat(ch.channel.config().isAutoRead()).isFalse();
        }
    }

    @Test
    void anIncompleteHeadAtEndOfInputEmitsNothing() {
        try (HeadChannel ch = new HeadChannel()) {
            ch.write("CONNECT myreg.azurecr.io:443 HTTP/1.1\r\nHost: x");
            ch.channel.finish();
            ch.assertNoMessage();
        }
    }

    /** {@code CONNECT <a...> HTTP/1.1} of exactly {@code length} bytes, without line end. */
    static String requestLineOfLength(int length) {
        return "CONNECT " + "a".repeat(length - "CONNECT  HTTP/1.1".length()) + " HTTP/1.1";
    }

    /** A CONNECT head of exactly {@code length} bytes, blank line included, padded in header X-Pad. */
    static String headOfLength(int length) {
        String start = "CONNECT myreg.azurecr.io:443 HTTP/1.1\r\nX-Pad: ";
        String end = "\r\n\r\n";
        return start + "a".repeat(length - start.length() - end.length()) + end;
    }

    private static String readAll(HeadChannel ch) {
        StringBuilder sb = new StringBuilder();
        for (Object msg; (msg = ch.channel.readInbound()) != null; ) {
            ByteBuf buf = (ByteBuf) assertThat(msg).isInstanceOf(ByteBuf.class).actual();
            try {
                sb.append(buf.toString(StandardCharsets.ISO_8859_1));
            } finally {
                buf.release();
            }
        }
        return sb.toString();
    }

    private static RequestHead head(String method, RequestHead.Version version, Header... headers) {
        return new RequestHead(method, TARGET, version, List.of(headers));
    }

    private static Header h(String name, String value) {
        return new Header(name, value);
    }
}
