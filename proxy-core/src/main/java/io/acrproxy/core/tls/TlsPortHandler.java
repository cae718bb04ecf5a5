package io.acrproxy.core.tls;

import io.acrproxy.core.connection.ClientConnection;
import io.acrproxy.core.connection.Refusal;
import io.acrproxy.policy.Reason;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import java.util.List;

/**
 * The first stage of a connection on the TLS port (design §2.4): a TLS handshake gets the server's {@link SslHandler}
 * (and {@link ClientTlsEvents} behind it), anything else is a client that was given an {@code http://} proxy URL for
 * this port and is answered in plain text, {@code 400} with what to change, rather than left waiting for a handshake
 * that never comes. One byte decides: a TLS record starts with its content type, 22 for a handshake (RFC 8446 §5.1),
 * and an HTTP request with a method's first letter.
 */
public final class TlsPortHandler extends ByteToMessageDecoder {
    public static final String NAME = "tls-port";
    /** The handler that decrypts, once the first byte says TLS. */
    public static final String TLS_NAME = "tls";
    static final String PLAIN_ON_THE_TLS_PORT = "this port speaks TLS, but this is plain HTTP: use an https:// proxy "
            + "URL (HTTPS_PROXY=https://HOST:PORT), not http://";
    private static final byte TLS_HANDSHAKE = 22;

    private final ClientConnection connection;
    private final ClientTls tls;

    public TlsPortHandler(ClientConnection connection, ClientTls tls) {
        this.connection = connection;
        this.tls = tls;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (!in.isReadable()) {
            return;
        }
        if (in.getByte(in.readerIndex()) != TLS_HANDSHAKE) {
            in.skipBytes(in.readableBytes());
            connection.refuse(Reason.MALFORMED_REQUEST, "listenTls",
                    Refusal.explained(Reason.MALFORMED_REQUEST, 400, PLAIN_ON_THE_TLS_PORT));
            return;
        }
        SslHandler ssl = tls.contexts().get().newHandler(ctx.alloc());
        ssl.setHandshakeTimeoutMillis(tls.handshakeTimeout().toMillis());
        ctx.pipeline().addAfter(NAME, TLS_NAME, ssl);
        ctx.pipeline().addAfter(TLS_NAME, ClientTlsEvents.NAME, new ClientTlsEvents(connection, tls));
        // Removing a ByteToMessageDecoder hands what it holds to the next handler: the SslHandler gets the hello.
        ctx.pipeline().remove(this);
    }
}
