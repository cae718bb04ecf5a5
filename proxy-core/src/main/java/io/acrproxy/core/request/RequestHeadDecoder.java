package io.acrproxy.core.request;

import static io.acrproxy.core.request.HttpChars.COLON;
import static io.acrproxy.core.request.HttpChars.CR;
import static io.acrproxy.core.request.HttpChars.LF;
import static io.acrproxy.core.request.HttpChars.SP;
import static io.acrproxy.core.request.HttpChars.isDigit;
import static io.acrproxy.core.request.HttpChars.isOws;
import static io.acrproxy.core.request.HttpChars.isTchar;
import static io.acrproxy.core.request.RequestHeadError.malformed;

import io.acrproxy.core.request.RequestHead.Header;
import io.acrproxy.core.request.RequestHead.Version;
import io.acrproxy.policy.Reason;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ByteProcessor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads one strict HTTP/1.1 request head (RFC 9112 §2–§5, design §4.1) and emits exactly one message:
 * a {@link RequestHead}, or a {@link RequestHeadError} for input it refuses. Bad input never raises an
 * exception into the pipeline.
 *
 * <p>The decoder consumes the head up to and including its blank line and nothing more: bytes behind it
 * (a ClientHello sent right after {@code CONNECT}) stay in the cumulation, and {@link ByteToMessageDecoder}
 * passes them on when this handler is removed. After its message the decoder never requests a read, and as
 * soon as it holds bytes behind the head it turns {@code autoRead} off, so that what it keeps stays bounded
 * (about one read) while the handler behind it decides and connects; that handler turns reading on again
 * when the next protocol's handler is in place. Most clients send nothing before the {@code 200}, and then
 * autoRead is never touched: each change is an epoll_ctl system call. After an error, further input is
 * discarded.
 *
 * <p>Memory stays within the limits: complete lines are parsed and consumed as they arrive, and a limit is
 * reported as soon as the bytes received prove it exceeded, without waiting for a line end.
 */
public final class RequestHeadDecoder extends ByteToMessageDecoder {
    /**
     * The first byte of a TLS handshake record (RFC 8446 §5.1, content type 22): a client whose proxy URL says
     * {@code https://} where this port speaks plain HTTP. It gets the {@code 400} in clear text, which its TLS library
     * reports as a record it cannot read (OpenSSL: "wrong version number"); the access log says why.
     */
    private static final byte TLS_HANDSHAKE = 0x16;
    static final String TLS_ON_THE_PLAIN_PORT = "this is a TLS handshake, but this port speaks plain HTTP: use an "
            + "http:// proxy URL (HTTPS_PROXY=http://HOST:PORT), not https://";

    /** Its name in the pipeline. */
    public static final String NAME = "head";
    /** design §4.1: a longer request line is answered with 414 (RFC 9112 §3 asks for at least 8000 octets). */
    public static final int MAX_REQUEST_LINE_BYTES = 8192;
    /** design §4.1: more header field lines are answered with 431 (RFC 6585 §5). */
    public static final int MAX_HEADER_LINES = 100;
    /** The default of {@code limits.maxHeaderBytes}. */
    public static final int DEFAULT_MAX_HEADER_BYTES = 16384;

    private static final byte[] HTTP_SLASH = {'H', 'T', 'T', 'P', '/'};
    private static final ByteProcessor FIND_NON_TCHAR = HttpChars::isTchar;
    private static final ByteProcessor FIND_NON_VCHAR = HttpChars::isVchar;
    private static final ByteProcessor FIND_NON_FIELD_VALUE = HttpChars::isFieldValueByte;

    private enum State { REQUEST_LINE, HEADERS, DONE, FAILED }

    private final int maxHeaderBytes;
    private final int maxRequestLineBytes;
    private final int maxHeaderLines;

    private State state = State.REQUEST_LINE;
    private boolean receivedAny;
    /** Bytes of the head consumed so far, leading empty lines included. */
    private int headBytes;
    /** Bytes of the current, not yet terminated line already searched for LF, so no byte is searched twice. */
    private int scanned;
    private String method;
    private String target;
    private Version version;
    private final List<Header> headers = new ArrayList<>();

    /** {@code maxHeaderBytes} is {@code limits.maxHeaderBytes}: the whole head, line ends included. */
    public RequestHeadDecoder(int maxHeaderBytes) {
        this(maxHeaderBytes, MAX_REQUEST_LINE_BYTES, MAX_HEADER_LINES);
    }

    public RequestHeadDecoder(int maxHeaderBytes, int maxRequestLineBytes, int maxHeaderLines) {
        if (maxHeaderBytes <= 0 || maxRequestLineBytes <= 0 || maxHeaderLines <= 0) {
            throw new IllegalArgumentException("limits must be positive: maxHeaderBytes=" + maxHeaderBytes
                    + ", maxRequestLineBytes=" + maxRequestLineBytes + ", maxHeaderLines=" + maxHeaderLines);
        }
        this.maxHeaderBytes = maxHeaderBytes;
        this.maxRequestLineBytes = maxRequestLineBytes;
        this.maxHeaderLines = maxHeaderLines;
    }

    /** True once any byte has arrived: a connection that closes before is a probe, not a broken request. */
    public boolean receivedAnyBytes() {
        return receivedAny;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        receivedAny |= in.isReadable();
        switch (state) {
            case DONE:
                // Leave the bytes behind the head where they are: they belong to the next protocol. Hold no
                // more than this until it is ready for them.
                if (in.isReadable()) {
                    ctx.channel().config().setAutoRead(false);
                }
                return;
            case FAILED:
                in.skipBytes(in.readableBytes());
                return;
            default:
                Object message = decodeLine(in);
                if (message != null) {
                    out.add(message);
                }
        }
    }

    /**
     * {@link ByteToMessageDecoder} asks for another read when {@code autoRead} is off and nothing was decoded.
     * Once the message is out that would pull in bytes nobody consumes, so the request is left to the
     * handler that now owns the connection.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (state == State.DONE || state == State.FAILED) {
            discardSomeReadBytes();
            ctx.fireChannelReadComplete();
        } else {
            super.channelReadComplete(ctx);
        }
    }

    /** Consumes at most one complete line; returns the message when the head is complete or refused. */
    private Object decodeLine(ByteBuf in) {
        int start = in.readerIndex();
        int readable = in.readableBytes();
        if (state == State.REQUEST_LINE) {
            // RFC 9112 §2.2 allows empty lines before the request line; anything else must start a method.
            // Refusing at the first byte answers a client that speaks TLS to the proxy port at once.
            byte first = in.getByte(start);
            if (first == TLS_HANDSHAKE) {
                return fail(in, malformed(TLS_ON_THE_PLAIN_PORT));
            }
            if (first != CR && first != LF && !isTchar(first)) {
                return fail(in, malformed("the request must start with a method such as CONNECT"));
            }
        }
        int lf = in.indexOf(start + scanned, start + readable, LF);
        if (lf < 0) {
            scanned = readable;
            RequestHeadError tooLarge = checkUnterminatedLine(in, start, readable);
            return tooLarge == null ? null : fail(in, tooLarge);
        }
        scanned = 0;
        int lineBytes = lf - start + 1;
        // RFC 9112 §2.2: a bare LF ends a line as well as CRLF does. A CR anywhere else stays in the line
        // and is refused by the grammar below.
        int end = lf > start && in.getByte(lf - 1) == CR ? lf - 1 : lf;
        if (state == State.REQUEST_LINE && end - start > maxRequestLineBytes) {
            return fail(in, requestLineTooLong());
        }
        headBytes += lineBytes;
        if (headBytes > maxHeaderBytes) {
            return fail(in, headTooLarge());
        }
        RequestHeadError error;
        if (state == State.REQUEST_LINE) {
            error = end == start ? null : parseRequestLine(in, start, end);
            if (error == null && end > start) {
                state = State.HEADERS;
            }
        } else if (end == start) {
            in.skipBytes(lineBytes);
            return finish(in);
        } else if (headers.size() == maxHeaderLines) {
            error = new RequestHeadError(Reason.HEADER_TOO_LARGE, 431,
                    "Request Header Fields Too Large: more than " + maxHeaderLines + " header lines");
        } else {
            error = parseHeaderLine(in, start, end);
        }
        if (error != null) {
            return fail(in, error);
        }
        in.skipBytes(lineBytes);
        return null;
    }

    /** Reports a limit that the bytes of a line without its LF already prove exceeded. */
    private RequestHeadError checkUnterminatedLine(ByteBuf in, int start, int length) {
        if (state == State.REQUEST_LINE) {
            // A final CR may still turn out to be half of the CRLF, so it does not count yet.
            int known = in.getByte(start + length - 1) == CR ? length - 1 : length;
            if (known > maxRequestLineBytes) {
                return requestLineTooLong();
            }
        }
        if ((long) headBytes + length > maxHeaderBytes) {
            return headTooLarge();
        }
        return null;
    }

    /** RFC 9112 §3: request-line = method SP request-target SP HTTP-version, single spaces, nothing else. */
    private RequestHeadError parseRequestLine(ByteBuf in, int start, int end) {
        int methodEnd = scan(in, start, end, FIND_NON_TCHAR);
        if (methodEnd == start) {
            return malformed("the request line must start with a method such as CONNECT");
        }
        if (methodEnd == end) {
            return malformed("the request line has no request-target (expected: METHOD SP target SP HTTP/1.1)");
        }
        if (in.getByte(methodEnd) != SP) {
            return malformed("the method must be followed by a single space");
        }
        int targetStart = methodEnd + 1;
        // RFC 9112 §3.2: the request-target contains no whitespace; RFC 3986 allows only visible ASCII in it.
        int targetEnd = scan(in, targetStart, end, FIND_NON_VCHAR);
        if (targetEnd == targetStart) {
            return targetStart < end && in.getByte(targetStart) == SP
                    ? malformed("more than one space between method and request-target")
                    : malformed("the request line has no request-target (expected: METHOD SP target SP HTTP/1.1)");
        }
        if (targetEnd == end) {
            return malformed("the request line has no HTTP version (expected: METHOD SP target SP HTTP/1.1)");
        }
        if (in.getByte(targetEnd) != SP) {
            return malformed("the request-target contains whitespace, a control character or a non-ASCII byte");
        }
        RequestHeadError error = parseVersion(in, targetEnd + 1, end);
        if (error != null) {
            return error;
        }
        method = in.toString(start, methodEnd - start, StandardCharsets.US_ASCII);
        target = in.toString(targetStart, targetEnd - targetStart, StandardCharsets.US_ASCII);
        return null;
    }

    /**
     * RFC 9112 §2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive. Another major version gets
     * 505 (RFC 9110 §15.6.6 is about the major version). HTTP/1.2 and up get 400 although RFC 9112 §2.3
     * suggests treating them as 1.1: design §4.1 names 1.1 and 1.0 only and no client sends a higher minor.
     */
    private RequestHeadError parseVersion(ByteBuf in, int start, int end) {
        if (end - start != 8 || !startsWith(in, start, HTTP_SLASH) || !isDigit(in.getByte(start + 5))
                || in.getByte(start + 6) != '.' || !isDigit(in.getByte(start + 7))) {
            return start < end && in.getByte(start) == SP
                    ? malformed("more than one space before the HTTP version")
                    : malformed("the request line must end with the version HTTP/1.1");
        }
        int major = in.getByte(start + 5) - '0';
        int minor = in.getByte(start + 7) - '0';
        if (major != 1) {
            return new RequestHeadError(Reason.MALFORMED_REQUEST, 505,
                    "HTTP Version Not Supported: HTTP/" + major + "." + minor + " (this proxy speaks HTTP/1.1)");
        }
        if (minor > 1) {
            return malformed("HTTP/1." + minor + " is not supported (use HTTP/1.1)");
        }
        version = minor == 1 ? Version.HTTP_1_1 : Version.HTTP_1_0;
        return null;
    }

    /** RFC 9112 §5: field-line = field-name ":" OWS field-value OWS. */
    private RequestHeadError parseHeaderLine(ByteBuf in, int start, int end) {
        if (isOws(in.getByte(start))) {
            // RFC 9112 §5.2 (obs-fold) and §2.2 (whitespace after the start-line): rejecting is the safe choice.
            return malformed("a header line starts with whitespace (line folding is not allowed)");
        }
        int nameEnd = scan(in, start, end, FIND_NON_TCHAR);
        if (nameEnd == end) {
            return malformed("a header line has no colon");
        }
        byte stop = in.getByte(nameEnd);
        if (stop != COLON) {
            // RFC 9112 §5.1: whitespace between field name and colon MUST be answered with 400.
            return isOws(stop)
                    ? malformed("whitespace between a header name and its colon is not allowed")
                    : malformed("a header name contains a character that is not allowed");
        }
        if (nameEnd == start) {
            return malformed("a header line has an empty name");
        }
        String name = in.toString(start, nameEnd - start, StandardCharsets.US_ASCII);
        int valueStart = nameEnd + 1;
        int valueEnd = end;
        while (valueStart < valueEnd && isOws(in.getByte(valueStart))) {
            valueStart++;
        }
        while (valueEnd > valueStart && isOws(in.getByte(valueEnd - 1))) {
            valueEnd--;
        }
        // RFC 9110 §5.5: CR, LF and NUL in a value are dangerous; other controls are not field-vchar either.
        if (scan(in, valueStart, valueEnd, FIND_NON_FIELD_VALUE) != valueEnd) {
            return malformed("the value of header " + name + " contains a control character");
        }
        headers.add(new Header(name, in.toString(valueStart, valueEnd - valueStart, StandardCharsets.ISO_8859_1)));
        return null;
    }

    private Object finish(ByteBuf in) {
        RequestHead head = new RequestHead(method, target, version, headers);
        if (head.isConnect()) {
            // RFC 9110 §9.3.6: a CONNECT request has no content. Framing headers on it mean a confused client
            // or a smuggling attempt, and the bytes behind the head belong to the tunnel (design §4.1).
            for (Header h : head.headers()) {
                if (h.name().equalsIgnoreCase("Transfer-Encoding")) {
                    return fail(in, malformed("Transfer-Encoding is not allowed on CONNECT"));
                }
                if (h.name().equalsIgnoreCase("Content-Length") && !h.value().equals("0")) {
                    return fail(in, malformed("Content-Length must be 0 on CONNECT"));
                }
            }
        }
        state = State.DONE;
        headers.clear();
        return head;
    }

    private RequestHeadError fail(ByteBuf in, RequestHeadError error) {
        state = State.FAILED;
        headers.clear();
        in.skipBytes(in.readableBytes());
        return error;
    }

    private RequestHeadError requestLineTooLong() {
        return new RequestHeadError(Reason.REQUEST_LINE_TOO_LONG, 414,
                "URI Too Long: the request line exceeds " + maxRequestLineBytes + " bytes");
    }

    private RequestHeadError headTooLarge() {
        return new RequestHeadError(Reason.HEADER_TOO_LARGE, 431,
                "Request Header Fields Too Large: the request head exceeds " + maxHeaderBytes + " bytes");
    }

    /** Index of the first byte in [from, to) the processor rejects, or {@code to} when it accepts them all. */
    private static int scan(ByteBuf in, int from, int to, ByteProcessor accept) {
        if (from >= to) {
            return to;
        }
        int stop = in.forEachByte(from, to - from, accept);
        return stop < 0 ? to : stop;
    }

    private static boolean startsWith(ByteBuf in, int index, byte[] prefix) {
        for (int i = 0; i < prefix.length; i++) {
            if (in.getByte(index + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
