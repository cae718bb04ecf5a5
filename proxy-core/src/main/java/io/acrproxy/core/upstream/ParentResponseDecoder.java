package io.acrproxy.core.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Reads a parent proxy's answer to {@code CONNECT} (RFC 9112 §4): the status line and header lines up to the blank
 * line, and emits one {@link Response} or {@link Malformed}. Interim {@code 1xx} heads are skipped. Bounded: a head
 * over {@link #MAX_HEAD_BYTES} (or a line over {@link #MAX_LINE_BYTES}) is refused as soon as the bytes prove it, and
 * nothing behind the head is read: after a {@code 2xx} those bytes are the tunnel's, held here until this handler
 * leaves the pipeline, which passes them on; after another status the connection is closed, its body never read.
 */
final class ParentResponseDecoder extends ByteToMessageDecoder {
    /** Its name in the upstream channel's pipeline. */
    static final String NAME = "parent-response";
    static final int MAX_HEAD_BYTES = 16 * 1024;
    static final int MAX_LINE_BYTES = 8 * 1024;

    /** The parent's final status and reason phrase. */
    record Response(int status, String reason) {
        boolean isSuccess() {
            return status >= 200 && status < 300;
        }
    }

    /** What was wrong with the parent's answer. */
    record Malformed(String message) {
    }

    private enum State { STATUS_LINE, HEADERS, DONE }

    private State state = State.STATUS_LINE;
    private int headBytes;
    private int status;
    private String reason;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (state != State.DONE && in.isReadable()) {
            int eol = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
            if (eol < 0) {
                if (in.readableBytes() > MAX_LINE_BYTES || headBytes + in.readableBytes() > MAX_HEAD_BYTES) {
                    fail(in, out, "its answer's head is larger than " + MAX_HEAD_BYTES + " bytes");
                }
                return;
            }
            int lineLength = eol - in.readerIndex() + 1;
            headBytes += lineLength;
            if (lineLength > MAX_LINE_BYTES || headBytes > MAX_HEAD_BYTES) {
                fail(in, out, "its answer's head is larger than " + MAX_HEAD_BYTES + " bytes");
                return;
            }
            int end = eol > in.readerIndex() && in.getByte(eol - 1) == '\r' ? eol - 1 : eol;
            String line = in.toString(in.readerIndex(), end - in.readerIndex(), StandardCharsets.ISO_8859_1);
            in.skipBytes(lineLength);
            if (state == State.STATUS_LINE) {
                if (!statusLine(line)) {
                    fail(in, out, "its answer does not start with an HTTP/1.x status line");
                    return;
                }
                if (!isReasonPhrase(line)) {
                    fail(in, out, "its answer's status line has a control character");
                    return;
                }
                state = State.HEADERS;
            } else if (line.isEmpty()) {
                if (status < 200) {
                    state = State.STATUS_LINE; // an interim 1xx head; the final one follows
                } else {
                    state = State.DONE;
                    out.add(new Response(status, reason));
                }
            } else if (line.charAt(0) == ' ' || line.charAt(0) == '\t' || line.indexOf(':') <= 0) {
                fail(in, out, "its answer has a malformed header line");
                return;
            }
        }
    }

    /** {@code HTTP/1.x SP 3DIGIT [SP reason]}; a missing reason phrase is tolerated (RFC 9112 §4 allows it empty). */
    private boolean statusLine(String line) {
        if (line.length() < 12 || !line.startsWith("HTTP/1.") || line.charAt(8) != ' '
                || (line.charAt(7) != '0' && line.charAt(7) != '1')) {
            return false;
        }
        for (int i = 9; i < 12; i++) {
            if (line.charAt(i) < '0' || line.charAt(i) > '9') {
                return false;
            }
        }
        if (line.length() > 12 && line.charAt(12) != ' ') {
            return false;
        }
        status = Integer.parseInt(line.substring(9, 12));
        reason = line.length() > 13 ? line.substring(13).strip() : "";
        return status >= 100;
    }

    /**
     * RFC 9112 §4: {@code reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )}. A bare CR, a NUL or another control
     * character is refused rather than carried into the answer the client gets (RFC 9112 §2.2 lets a recipient
     * treat a bare CR as invalid).
     */
    private static boolean isReasonPhrase(String line) {
        for (int i = 12; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c != '\t' && (c < 0x20 || c == 0x7f)) {
                return false;
            }
        }
        return true;
    }

    private void fail(ByteBuf in, List<Object> out, String message) {
        state = State.DONE;
        in.skipBytes(in.readableBytes());
        out.add(new Malformed(message));
    }

    /** After its message the decoder asks for nothing more; the handshake reads on demand until then. */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (state == State.DONE) {
            discardSomeReadBytes();
            ctx.fireChannelReadComplete();
        } else {
            super.channelReadComplete(ctx);
        }
    }
}
