package io.acrproxy.core.request;

import static io.acrproxy.core.request.RequestHeadDecoderTest.headOfLength;
import static io.acrproxy.core.request.RequestHeadDecoderTest.requestLineOfLength;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.acrproxy.policy.Reason;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Heads the decoder refuses: each error class with its status, reason code and message. */
class RequestHeadDecoderErrorTest {
    private static final String LINE = "CONNECT myreg.azurecr.io:443 HTTP/1.1\r\n";
    private static final String MAX_LINES = "Request Header Fields Too Large: more than 100 header lines";
    private static final String START = "Bad Request: the request must start with a method such as CONNECT";
    private static final String NO_VERSION =
            "Bad Request: the request line has no HTTP version (expected: METHOD SP target SP HTTP/1.1)";
    private static final String NO_TARGET =
            "Bad Request: the request line has no request-target (expected: METHOD SP target SP HTTP/1.1)";
    private static final String VERSION = "Bad Request: the request line must end with the version HTTP/1.1";
    private static final String BAD_TARGET =
            "Bad Request: the request-target contains whitespace, a control character or a non-ASCII byte";
    private static final String FOLD = "Bad Request: a header line starts with whitespace (line folding is not allowed)";
    private static final String SPACE_COLON = "Bad Request: whitespace between a header name and its colon is not allowed";
    private static final String BAD_NAME = "Bad Request: a header name contains a character that is not allowed";

    static Stream<Arguments> malformedHeads() {
        return Stream.of(
                arguments("TLS ClientHello instead of CONNECT", "\u0016\u0003\u0001\u0002\u0000",
                        "Bad Request: this is a TLS handshake, but this port speaks plain HTTP: use an http:// proxy URL "
                                + "(HTTPS_PROXY=http://HOST:PORT), not https://"),
                arguments("leading space", " CONNECT myreg.azurecr.io:443 HTTP/1.1\r\n\r\n", START),
                arguments("leading NUL", "\u0000CONNECT myreg.azurecr.io:443 HTTP/1.1\r\n\r\n", START),
                arguments("bare CR before the request line", "\rCONNECT myreg.azurecr.io:443 HTTP/1.1\r\n\r\n",
                        "Bad Request: the request line must start with a method such as CONNECT"),
                arguments("method only", "CONNECT\r\n\r\n", NO_TARGET),
                arguments("method and a space", "CONNECT \r\n\r\n", NO_TARGET),
                arguments("missing version", "CONNECT myreg.azurecr.io:443\r\n\r\n", NO_VERSION),
                arguments("space but no version", "CONNECT myreg.azurecr.io:443 \r\n\r\n", VERSION),
                arguments("lowercase http/1.1", "CONNECT myreg.azurecr.io:443 http/1.1\r\n\r\n", VERSION),
                arguments("HTTP/11", "CONNECT myreg.azurecr.io:443 HTTP/11\r\n\r\n", VERSION),
                arguments("HTTP/1.1 and trailing space", "CONNECT myreg.azurecr.io:443 HTTP/1.1 \r\n\r\n", VERSION),
                arguments("HTTP/1.1x", "CONNECT myreg.azurecr.io:443 HTTP/1.1x\r\n\r\n", VERSION),
                arguments("HTTP/2", "CONNECT myreg.azurecr.io:443 HTTP/2\r\n\r\n", VERSION),
                arguments("HTTP/1.2", "CONNECT myreg.azurecr.io:443 HTTP/1.2\r\n\r\n",
                        "Bad Request: HTTP/1.2 is not supported (use HTTP/1.1)"),
                arguments("two spaces after method", "CONNECT  myreg.azurecr.io:443 HTTP/1.1\r\n\r\n",
                        "Bad Request: more than one space between method and request-target"),
                arguments("two spaces before version", "CONNECT myreg.azurecr.io:443  HTTP/1.1\r\n\r\n",
                        "Bad Request: more than one space before the HTTP version"),
                arguments("tab after method", "CONNECT\tmyreg.azurecr.io:443 HTTP/1.1\r\n\r\n",
                        "Bad Request: the method must be followed by a single space"),
                arguments("tab before version", "CONNECT myreg.azurecr.io:443\tHTTP/1.1\r\n\r\n", BAD_TARGET),
                arguments("NUL in target", "CONNECT myreg\u0000.azurecr.io:443 HTTP/1.1\r\n\r\n", BAD_TARGET),
                arguments("control byte in target", "CONNECT myreg\u0001.azurecr.io:443 HTTP/1.1\r\n\r\n", BAD_TARGET),
                arguments("DEL in target", "CONNECT myreg\u007f.azurecr.io:443 HTTP/1.1\r\n\r\n", BAD_TARGET),
                arguments("non-ASCII in target", "CONNECT my\u00e9reg.azurecr.io:443 HTTP/1.1\r\n\r\n", BAD_TARGET),
                arguments("bare CR in request line", "CONNECT myreg.azurecr.io:443\rHTTP/1.1\r\n\r\n", BAD_TARGET),
                arguments("obs-fold", LINE + "X-A: 1\r\n  continued\r\n\r\n", FOLD),
                arguments("obs-fold with tab", LINE + "X-A: 1\r\n\tcontinued\r\n\r\n", FOLD),
                arguments("whitespace before the first header", LINE + " Host: x\r\n\r\n", FOLD),
                arguments("space before colon", LINE + "Host : x\r\n\r\n", SPACE_COLON),
                arguments("tab before colon", LINE + "Host\t: x\r\n\r\n", SPACE_COLON),
                arguments("empty header name", LINE + ": x\r\n\r\n", "Bad Request: a header line has an empty name"),
                arguments("no colon", LINE + "Host x\r\n\r\n", SPACE_COLON),
                arguments("no colon at all", LINE + "Hostx\r\n\r\n", "Bad Request: a header line has no colon"),
                arguments("separator in name", LINE + "Ho(st): x\r\n\r\n", BAD_NAME),
                arguments("non-ASCII in name", LINE + "H\u00f6st: x\r\n\r\n", BAD_NAME),
                arguments("bare CR as a header line", LINE + "\r\r\n\r\n", BAD_NAME),
                arguments("NUL in value", LINE + "X-A: a\u0000b\r\n\r\n",
                        "Bad Request: the value of header X-A contains a control character"),
                arguments("bare CR in value", LINE + "X-A: a\rb\r\n\r\n",
                        "Bad Request: the value of header X-A contains a control character"),
                arguments("CR before CRLF", LINE + "X-A: a\r\r\n\r\n",
                        "Bad Request: the value of header X-A contains a control character"),
                arguments("ESC in value", LINE + "X-A: a\u001b[2Jb\r\n\r\n",
                        "Bad Request: the value of header X-A contains a control character"),
                arguments("DEL in value", LINE + "X-A: a\u007fb\r\n\r\n",
                        "Bad Request: the value of header X-A contains a control character"),
                arguments("CONNECT with Content-Length: 5", LINE + "Content-Length: 5\r\n\r\n",
                        "Bad Request: Content-Length must be 0 on CONNECT"),
                arguments("CONNECT with Content-Length 0 and 5", LINE + "content-length: 0\r\nContent-Length: 5\r\n\r\n",
                        "Bad Request: Content-Length must be 0 on CONNECT"),
                arguments("CONNECT with Content-Length: 00", LINE + "Content-Length: 00\r\n\r\n",
                        "Bad Request: Content-Length must be 0 on CONNECT"),
                arguments("CONNECT with Transfer-Encoding", LINE + "Transfer-Encoding: chunked\r\n\r\n",
                        "Bad Request: Transfer-Encoding is not allowed on CONNECT"),
                arguments("CONNECT with empty transfer-encoding", LINE + "transfer-encoding:\r\n\r\n",
                        "Bad Request: Transfer-Encoding is not allowed on CONNECT"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedHeads")
    void refusesMalformedHeadsWith400(String name, String input, String message) {
        try (HeadChannel ch = new HeadChannel()) {
            assertThat(ch.write(input).error()).isEqualTo(new RequestHeadError(Reason.MALFORMED_REQUEST, 400, message));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedHeads")
    void refusesMalformedHeadsFedOneByteAtATime(String name, String input, String message) {
        try (HeadChannel ch = new HeadChannel()) {
            assertThat(ch.writeBytewise(input).error().message()).isEqualTo(message);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/2.0", "HTTP/3.0", "HTTP/0.9"})
    void answersAnotherMajorVersionWith505(String version) {
        try (HeadChannel ch = new HeadChannel()) {
            assertThat(ch.write("CONNECT myreg.azurecr.io:443 " + version + "\r\n\r\n").error()).isEqualTo(
                    new RequestHeadError(Reason.MALFORMED_REQUEST, 505,
                            "HTTP Version Not Supported: " + version + " (this proxy speaks HTTP/1.1)"));
        }
    }

    @Test
    void answersTheHttp2PrefaceWith505() {
        try (HeadChannel ch = new HeadChannel()) {
            assertThat(ch.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").error().status()).isEqualTo(505);
        }
    }

    @Test
    void refusesAGarbageFirstByteWithoutWaitingForALineEnd() {
        try (HeadChannel ch = new HeadChannel()) {
            assertThat(ch.write("\u0001").error().message()).isEqualTo(START);
        }
        try (HeadChannel ch = new HeadChannel()) { // a TLS handshake record's first byte: an https:// proxy URL
            assertThat(ch.write("\u0016").error().message())
                    .isEqualTo("Bad Request: " + RequestHeadDecoder.TLS_ON_THE_PLAIN_PORT);
        }
    }

    @Test
    void refusesARequestLineOneByteOverTheLimitWith414() {
        try (HeadChannel ch = new HeadChannel()) {
            assertThat(ch.write(requestLineOfLength(8193) + "\r\n\r\n").error()).isEqualTo(new RequestHeadError(
                    Reason.REQUEST_LINE_TOO_LONG, 414, "URI Too Long: the request line exceeds 8192 bytes"));
        }
    }

    @Test
    void refusesALongRequestLineBeforeItsLineEndArrives() {
        String line = requestLineOfLength(8193);
        try (HeadChannel ch = new HeadChannel()) {
            ch.write(line.substring(0, 8192));
            ch.assertNoMessage();
            ch.write(line.substring(8192, 8193));
            assertThat(ch.error().status()).isEqualTo(414);
        }
    }

    @Test
    void refusesALongRequestLineArrivingInSmallChunks() {
        String line = requestLineOfLength(20000);
        try (HeadChannel ch = new HeadChannel()) {
            int fed = 0;
            while (fed < line.length() && ch.channel.inboundMessages().isEmpty()) {
                ch.write(line.substring(fed, Math.min(fed + 100, line.length())));
                fed += 100;
                assertThat(ch.alloc.liveReadableBytes()).isLessThanOrEqualTo(8193);
            }
            assertThat(fed).isEqualTo(8200);
            assertThat(ch.error().status()).isEqualTo(414);
        }
    }

    @Test
    void refusesAHeadOneByteOverMaxHeaderBytesWith431() {
        try (HeadChannel ch = new HeadChannel(1000)) {
            assertThat(ch.write(headOfLength(1001)).error()).isEqualTo(new RequestHeadError(
                    Reason.HEADER_TOO_LARGE, 431, "Request Header Fields Too Large: the request head exceeds 1000 bytes"));
        }
    }

    @Test
    void refusesAnOversizedHeadArrivingInSmallChunksAsSoonAsTheLimitIsPassed() {
        StringBuilder in = new StringBuilder(LINE);
        while (in.length() < 40000) {
            // Lines long enough that the byte limit, not the line-count limit, is reached first.
            in.append("X-Filler: ").append("b".repeat(240)).append("\r\n");
        }
        try (HeadChannel ch = new HeadChannel()) {
            int fed = 0;
            while (ch.channel.inboundMessages().isEmpty()) {
                ch.write(in.substring(fed, fed + 7));
                fed += 7;
                // Complete lines are consumed as they arrive: only the current partial line is held.
                assertThat(ch.alloc.liveReadableBytes()).isLessThan(260);
            }
            assertThat(fed).isBetween(16385, 16384 + 7);
            assertThat(ch.error()).isEqualTo(new RequestHeadError(Reason.HEADER_TOO_LARGE, 431,
                    "Request Header Fields Too Large: the request head exceeds 16384 bytes"));
        }
    }

    @Test
    void refusesAFloodOfEmptyLinesWith431() {
        try (HeadChannel ch = new HeadChannel()) {
            assertThat(ch.write("\r\n".repeat(8193)).error().status()).isEqualTo(431);
        }
    }

    @Test
    void refuses101HeaderLinesWith431() {
        StringBuilder in = new StringBuilder(LINE);
        for (int i = 0; i <= RequestHeadDecoder.MAX_HEADER_LINES; i++) {
            in.append("X-").append(i).append(": v\r\n");
        }
        try (HeadChannel ch = new HeadChannel()) {
            assertThat(ch.write(in.append("\r\n").toString()).error())
                    .isEqualTo(new RequestHeadError(Reason.HEADER_TOO_LARGE, 431, MAX_LINES));
        }
    }

    @Test
    void discardsEverythingAfterAnError() {
        try (HeadChannel ch = new HeadChannel()) {
            ch.write("CONNECT myreg.azurecr.io:443 HTTP/1.1\r\nBad Name: x\r\n\r\nmore bytes");
            assertThat(ch.error().status()).isEqualTo(400);
            assertThat(ch.alloc.liveReadableBytes()).isZero();

            for (int i = 0; i < 100; i++) {
                ch.write("CONNECT myreg.azurecr.io:443 HTTP/1.1\r\n\r\n" + "x".repeat(10_000));
                assertThat(ch.alloc.liveReadableBytes()).as("bytes held after an error").isZero();
            }
            ch.assertNoMessage();
            ch.channel.pipeline().remove(ch.decoder);
            ch.assertNoMessage();
        }
    }

    @Test
    void refusesAConnectWithABodyAndDiscardsTheBodyBytes() {
        try (HeadChannel ch = new HeadChannel()) {
            ch.write(LINE + "Content-Length: 5\r\n\r\nhello");
            assertThat(ch.error().status()).isEqualTo(400);
            ch.channel.pipeline().remove(ch.decoder);
            ch.assertNoMessage();
        }
    }
}
