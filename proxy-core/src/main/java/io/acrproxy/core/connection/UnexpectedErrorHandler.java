package io.acrproxy.core.connection;

import io.acrproxy.core.observe.ExpectedErrors;
import io.acrproxy.policy.Reason;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a client connection until its relay starts: what the stages did not handle ends here. Expected
 * network errors (a reset, a broken pipe) close the connection quietly; anything else is logged once with its stack
 * trace and, if the request has not been answered yet, answered {@code 500 internal_error} (design §5) — never a
 * stack trace to the client. A buffer that could not be allocated is the proxy's shortage, not a bug: {@code 503
 * resource_exhausted}.
 */
public final class UnexpectedErrorHandler extends ChannelInboundHandlerAdapter {
    /** Its name in the pipeline. */
    public static final String NAME = "errors";
    private static final Logger LOG = LoggerFactory.getLogger(UnexpectedErrorHandler.class);

    private final ClientConnection connection;

    public UnexpectedErrorHandler(ClientConnection connection) {
        this.connection = connection;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (ExpectedErrors.isExpected(cause)) {
            LOG.debug("connection {} ended: {}", connection.record(), cause.toString());
            ctx.close();
            return;
        }
        if (cause instanceof OutOfMemoryError oom) {
            // A buffer for this connection's bytes could not be had (direct memory used up): the proxy's shortage,
            // answered as one (design §2.1), logged once a minute without a stack trace that says nothing more.
            String why = "the proxy could not allocate memory for this connection (" + oom.getMessage() + "); retry shortly";
            boolean answered = connection.isAnswered();
            connection.refuseShortOf("memory", "memory", why, ""); // answers only what is not answered yet
            if (answered) {
                ctx.close();
            }
            return;
        }
        // The record names the client as people write addresses; Netty's channel text would say L:/127.0.0.1:3128.
        LOG.warn("internal error on the connection {}", connection.record(), cause);
        if (connection.isAnswered()) {
            ctx.close();
        } else {
            connection.refuse(Reason.INTERNAL_ERROR, "internal error", "see the proxy's log");
        }
    }
}
