package io.acrproxy.core.inspect;

import io.acrproxy.policy.Reason;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The one TLS record the proxy itself ever writes: a plaintext fatal alert (RFC 8446 §6, RFC 5246 §7.2) that ends
 * a refused ClientHello, so the client's TLS stack reports a clean, named failure instead of a reset.
 */
final class TlsAlert {

    static final int CONTENT_TYPE_ALERT = 21;
    static final int LEVEL_FATAL = 2;
    static final int ACCESS_DENIED = 49;
    static final int UNRECOGNIZED_NAME = 112;
    static final int RECORD_LENGTH = 7;

    private TlsAlert() {
    }

    /**
     * design §7: {@code unrecognized_name} for a server name that does not match the CONNECT host (RFC 6066 §3 names
     * it for exactly this case), {@code access_denied} ("a valid certificate or PSK was received, but ... the
     * sender decided not to proceed with negotiation", RFC 8446 §6.2) for every other refusal.
     */
    static int descriptionFor(Reason reason) {
        return reason == Reason.SNI_MISMATCH ? UNRECOGNIZED_NAME : ACCESS_DENIED;
    }

    /** A fatal alert record in {@code recordVersion}, the version of the client's first record (design §7). */
    static ByteBuf fatal(ByteBufAllocator alloc, int recordVersion, int description) {
        return alloc.buffer(RECORD_LENGTH)
                .writeByte(CONTENT_TYPE_ALERT)
                .writeShort(recordVersion)
                .writeShort(2)
                .writeByte(LEVEL_FATAL)
                .writeByte(description);
    }
}
