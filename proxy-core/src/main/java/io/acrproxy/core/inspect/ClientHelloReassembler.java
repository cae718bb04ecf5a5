package io.acrproxy.core.inspect;

import io.acrproxy.policy.Reason;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Reassembles the first handshake message of a TLS connection, which must be one ClientHello, from the
 * TLSPlaintext records that carry it (RFC 8446 §5.1, RFC 5246 §6.2.1), however they were split into records and
 * TCP segments.
 *
 * <p>It is fed everything the client has sent so far (the caller keeps the raw bytes, because they are forwarded
 * unchanged when the hello is accepted) and only reads them; it copies the handshake fragments into one buffer of
 * at most {@code maxClientHelloBytes}. The raw records the hello occupies may add up to
 * {@code maxClientHelloBytes + 5}: one record header of slack, so a hello of exactly the limit fits in one record;
 * every further record header counts against the limit. Anything beyond that is refused at once rather than
 * waited for, so the caller never holds more than that (plus what one read delivered at once).
 */
final class ClientHelloReassembler {

    enum Status { NEED_MORE, COMPLETE, FAILED }

    static final int RECORD_HEADER_LENGTH = 5;
    static final int HANDSHAKE_HEADER_LENGTH = 4;
    /** RFC 8446 §5.1: "The length MUST NOT exceed 2^14 bytes." */
    static final int MAX_FRAGMENT_LENGTH = 1 << 14;
    static final int CONTENT_TYPE_HANDSHAKE = 22;
    static final int HANDSHAKE_TYPE_CLIENT_HELLO = 1;

    private final int maxClientHelloBytes;
    private Status status = Status.NEED_MORE;
    private int scanned;
    private int recordVersion;
    private ByteBuf message;
    private int messageLength = -1;
    private Reason failureReason;
    private String failureMessage;

    ClientHelloReassembler(int maxClientHelloBytes) {
        this.maxClientHelloBytes = maxClientHelloBytes;
    }

    /**
     * Examines the readable bytes of {@code received}: everything the client has sent so far, in order. Bytes
     * already examined by an earlier call must still be there, at the same offsets from the reader index.
     */
    Status feed(ByteBufAllocator alloc, ByteBuf received) {
        if (status != Status.NEED_MORE) {
            return status;
        }
        int base = received.readerIndex();
        int available = received.readableBytes();
        if (recordVersion == 0 && !checkFirstRecordStart(received, base, available)) {
            return status;
        }
        while (available - scanned >= RECORD_HEADER_LENGTH) {
            int at = base + scanned;
            int type = received.getUnsignedByte(at);
            int version = received.getUnsignedShort(at + 1);
            int length = received.getUnsignedShort(at + 3);
            if (type != CONTENT_TYPE_HANDSHAKE) {
                // RFC 8446 §5.1: handshake messages may not be interleaved with other record types.
                return fail(Reason.CLIENT_HELLO_MALFORMED, "a record of content type " + type + " arrived inside the ClientHello");
            }
            if (version < 0x0301 || version > 0x0303) {
                return fail(Reason.CLIENT_HELLO_MALFORMED, String.format("record version 0x%04x inside the ClientHello", version));
            }
            if (length == 0) {
                return fail(Reason.CLIENT_HELLO_MALFORMED, "empty handshake record (RFC 8446 §5.1 forbids zero-length fragments)");
            }
            if (length > MAX_FRAGMENT_LENGTH) {
                return fail(Reason.CLIENT_HELLO_MALFORMED, "record length " + length + " exceeds 2^14 (RFC 8446 §5.1)");
            }
            if (scanned + length > maxClientHelloBytes) {
                return fail(Reason.CLIENT_HELLO_TOO_LARGE, "the ClientHello's records exceed sni.maxClientHelloBytes ("
                        + maxClientHelloBytes + ")");
            }
            if (available - scanned - RECORD_HEADER_LENGTH < length) {
                return status;
            }
            scanned += RECORD_HEADER_LENGTH + length;
            if (append(alloc, received, at + RECORD_HEADER_LENGTH, length) != Status.NEED_MORE) {
                return status;
            }
        }
        if (available > maxClientHelloBytes + RECORD_HEADER_LENGTH) {
            // Only the start of the next record header is missing, and it would not fit anyway.
            return fail(Reason.CLIENT_HELLO_TOO_LARGE, "the ClientHello's records exceed sni.maxClientHelloBytes ("
                    + maxClientHelloBytes + ")");
        }
        return status;
    }

    /**
     * design §7: only a TLS 1.0-1.2 style handshake record counts as TLS. Decided byte by byte so that an HTTP
     * request or an SSLv2 hello is refused on its first byte instead of after a timeout.
     */
    private boolean checkFirstRecordStart(ByteBuf in, int base, int available) {
        if (available >= 1) {
            int first = in.getUnsignedByte(base);
            if ((first & 0x80) != 0) {
                // RFC 5246 Appendix E.2 SSL 2.0 record header; RFC 6176 prohibits SSL 2.0.
                fail(Reason.NOT_TLS, "SSLv2-compatible ClientHello (first byte " + describe(first) + ")");
                return false;
            }
            if (first != CONTENT_TYPE_HANDSHAKE) {
                fail(Reason.NOT_TLS, "first byte " + describe(first) + " does not start a TLS handshake record (22)");
                return false;
            }
        }
        if (available >= 2 && in.getUnsignedByte(base + 1) != 3) {
            fail(Reason.NOT_TLS, "record version major byte " + describe(in.getUnsignedByte(base + 1)) + " is not 3");
            return false;
        }
        if (available < 3) {
            return false;
        }
        int minor = in.getUnsignedByte(base + 2);
        if (minor == 0) {
            fail(Reason.NOT_TLS, "SSL 3.0 record (RFC 7568 prohibits SSL 3.0)");
            return false;
        }
        if (minor > 3) {
            fail(Reason.NOT_TLS, String.format("record version 0x03%02x is not 0x0301..0x0303", minor));
            return false;
        }
        recordVersion = 0x0300 | minor;
        return true;
    }

    private Status append(ByteBufAllocator alloc, ByteBuf in, int from, int length) {
        if (message == null) {
            int type = in.getUnsignedByte(from);
            if (type != HANDSHAKE_TYPE_CLIENT_HELLO) {
                return fail(Reason.CLIENT_HELLO_MALFORMED, "handshake message type " + type + " is not client_hello(1)");
            }
            message = alloc.buffer(Math.min(512, maxClientHelloBytes), maxClientHelloBytes);
        }
        while (length > 0) {
            int target = messageLength < 0 ? HANDSHAKE_HEADER_LENGTH : messageLength;
            int n = Math.min(length, target - message.writerIndex());
            message.writeBytes(in, from, n);
            from += n;
            length -= n;
            if (messageLength < 0 && message.writerIndex() == HANDSHAKE_HEADER_LENGTH) {
                int total = HANDSHAKE_HEADER_LENGTH + message.getUnsignedMedium(1);
                if (total > maxClientHelloBytes) {
                    return fail(Reason.CLIENT_HELLO_TOO_LARGE, "ClientHello of " + total
                            + " bytes exceeds sni.maxClientHelloBytes (" + maxClientHelloBytes + ")");
                }
                messageLength = total;
            }
            if (message.writerIndex() == messageLength) {
                if (length > 0) {
                    // Nothing may follow the ClientHello before the server answers it; a coalesced second
                    // handshake message here is not something any TLS client sends.
                    return fail(Reason.CLIENT_HELLO_MALFORMED, length + " bytes follow the ClientHello in its last record");
                }
                status = Status.COMPLETE;
                return status;
            }
        }
        return status;
    }

    private Status fail(Reason reason, String why) {
        release();
        failureReason = reason;
        failureMessage = why;
        status = Status.FAILED;
        return status;
    }

    private static String describe(int b) {
        return b >= 0x20 && b < 0x7f ? String.format("0x%02x '%c'", b, (char) b) : String.format("0x%02x", b);
    }

    /** The ClientHello body (after its handshake header) once {@link Status#COMPLETE}; valid until {@link #release()}. */
    ByteBuf body() {
        if (status != Status.COMPLETE || message == null) {
            throw new IllegalStateException("no complete ClientHello");
        }
        return message.slice(HANDSHAKE_HEADER_LENGTH, messageLength - HANDSHAKE_HEADER_LENGTH);
    }

    /** The first record's version ({@code 0x0301..0x0303}), or 0 while unknown or when the peer is not TLS. */
    int recordVersion() {
        return recordVersion;
    }

    /** How many of the bytes received the ClientHello's records occupy (once complete). */
    int helloRecordBytes() {
        return scanned;
    }

    Reason failureReason() {
        return failureReason;
    }

    String failureMessage() {
        return failureMessage;
    }

    void release() {
        if (message != null) {
            message.release();
            message = null;
        }
    }
}
