package io.acrproxy.core.tls;

import io.acrproxy.core.connection.ClientConnection;
import io.acrproxy.policy.Reason;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Behind the TLS port's {@link SslHandler}: a finished handshake puts the client certificate's identity (design §2.4)
 * on the connection, and a failed one is recorded as the connection's refusal. The engine has answered the client
 * with a TLS alert already; an HTTP answer cannot follow, so the record carries the words.
 */
final class ClientTlsEvents extends ChannelInboundHandlerAdapter {
    static final String NAME = "tls-events";

    private final ClientConnection connection;
    private final ClientTls tls;

    ClientTlsEvents(ClientConnection connection, ClientTls tls) {
        this.connection = connection;
        this.tls = tls;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                connection.clientCertificate(identity(ctx.pipeline().get(SslHandler.class).engine().getSession()));
                ctx.pipeline().remove(this);
            } else {
                failed(done.cause());
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** The handshake's exception also arrives here first; the completion event records it, so it goes no further. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable tlsCause = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (tlsCause instanceof SSLException || tlsCause instanceof SslHandshakeTimeoutException) {
            failed(tlsCause);
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    private void failed(Throwable cause) {
        ClientTlsFailure failure = ClientTlsFailure.of(cause, tls);
        connection.refuseWithoutAnswer(failure.reason(), "listenTls", failure.detail());
    }

    /** The verified identity of the client certificate, or {@code null} when the client presented none. */
    private static String identity(SSLSession session) {
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException none) {
            return null;
        }
        return chain.length > 0 && chain[0] instanceof X509Certificate leaf ? CertificateIdentity.of(leaf) : null;
    }
}
