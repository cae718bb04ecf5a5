package io.acrproxy.core.accept;

import io.acrproxy.core.connection.ClientConnection;
import io.acrproxy.core.connection.Refusal;
import io.acrproxy.policy.Decision;
import io.acrproxy.policy.Policy;
import io.acrproxy.policy.Reason;
import io.acrproxy.policy.source.PolicyHolder;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.group.ChannelGroup;
import java.net.InetAddress;

/**
 * Stage 1 of a connection (design §2, §2.1): the client's address must be in {@code clients.allow}, and the
 * connection must find the proxy with memory to spare ({@code limits.maxMemoryPercent}) and fit
 * {@code limits.maxConnections} and {@code limits.maxConnectionsPerClient}. A refused connection
 * is answered at once, before a byte of its request is read, and never holds a slot; an admitted one holds its slot
 * until it closes, however it closes. Then the handler leaves and the next stage sees the channel become active.
 */
public final class AdmissionHandler extends ChannelInboundHandlerAdapter {
    private static final long RETRY_AFTER_SECONDS = ClientConnection.RETRY_AFTER_SECONDS;

    private final ClientConnection connection;
    private final PolicyHolder policies;
    private final ConnectionLimits limits;
    private final ChannelGroup clients;

    /** @param clients every open client connection, for the drain at shutdown */
    public AdmissionHandler(ClientConnection connection, PolicyHolder policies, ConnectionLimits limits,
            ChannelGroup clients) {
        this.connection = connection;
        this.policies = policies;
        this.limits = limits;
        this.clients = clients;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        clients.add(ctx.channel());
        InetAddress client = connection.clientAddress();
        Policy policy = policies.get();
        connection.record().policyVersion(policy.version());
        // By address until the request stage knows the user: a refusal before then is counted under this group.
        connection.record().group(policy.select(client, null).name());
        Decision allowed = policy.decideClient(client);
        if (!allowed.allowed()) {
            connection.refuse(allowed);
            return;
        }
        MemoryGuard.Shortage shortage = limits.memory().shortage();
        if (shortage != MemoryGuard.Shortage.NONE) {
            refuse(shortage);
            return;
        }
        ConnectionLimits.Admission admission = limits.admit(client);
        if (admission != ConnectionLimits.Admission.ADMITTED) {
            refuse(admission);
            return;
        }
        ctx.channel().closeFuture().addListener(f -> limits.release(client));
        ctx.pipeline().remove(this);
        ctx.fireChannelActive();
    }

    private void refuse(MemoryGuard.Shortage shortage) {
        MemoryGuard memory = limits.memory();
        String why = "the proxy is short of " + shortage.resource() + " (" + memory.inUse(shortage)
                + ", above limits.maxMemoryPercent " + memory.maxPercent() + "%); retry shortly";
        connection.refuseShortOf(shortage.resource(), "limits.maxMemoryPercent", why, "");
    }

    private void refuse(ConnectionLimits.Admission admission) {
        boolean proxyFull = admission == ConnectionLimits.Admission.PROXY_FULL;
        String why = proxyFull
                ? "the proxy has limits.maxConnections open connections; retry shortly"
                : "this client has limits.maxConnectionsPerClient open connections; close some or retry shortly";
        connection.refuse(Reason.CONNECTION_LIMIT, proxyFull ? "limits.maxConnections" : "limits.maxConnectionsPerClient",
                Refusal.explained(Reason.CONNECTION_LIMIT, admission.status(), why).withRetryAfter(RETRY_AFTER_SECONDS));
    }
}
