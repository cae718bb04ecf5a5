/*
 * acr-egress-proxy: a copy of Netty 4.2.18.Final's io.netty.channel.epoll.EpollSocketChannel with hooks for the
 * splice(2) relay (SocketSplicer, in this package), which takes the place of Netty's class the same way as the
 * patched EpollIoHandler (proxy-core's classes come first on the class path; the shaded jar leaves Netty's copy
 * out; TransportTest and the jar's start-up check make sure of both). Netty's class is final and its config
 * takes only an EpollSocketChannel, so a subclass cannot add them. The hooks: spliceInputTo(), the unsafe's
 * epollInReady() handing over to the splicer, doWriteSingle()/filterOutboundMessage() taking the splicer's
 * PipeDrain messages, doClose() telling the splicer. Search for "acr-egress-proxy" for the changed lines.
 * Without spliceInputTo() the channel behaves exactly as Netty's.
 */
/*
 * Copyright 2014 The Netty Project
 *
 * The Netty Project licenses this file to you under the Apache License,
 * version 2.0 (the "License"); you may not use this file except in compliance
 * with the License. You may obtain a copy of the License at:
 *
 *   https://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
 * WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
 * License for the specific language governing permissions and limitations
 * under the License.
 */
package io.netty.channel.epoll;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.Executor;

import static io.netty.channel.epoll.LinuxSocket.newSocketStream;
import static io.netty.channel.epoll.Native.IS_SUPPORTING_TCP_FASTOPEN_CLIENT;

/**
 * {@link SocketChannel} implementation that uses linux EPOLL.
 */
public final class EpollSocketChannel extends AbstractEpollStreamChannel implements SocketChannel {

    private final EpollSocketChannelConfig config;

    private volatile Collection<InetAddress> tcpMd5SigAddresses = Collections.emptyList();

    /** acr-egress-proxy: present only in the patched copy; Transport checks for it at start. */
    static final String ACRPROXY_PATCH = "splice(2) relay hooks";

    // acr-egress-proxy: set once this channel's input goes to another channel by splice(2). Event loop only.
    private SocketSplicer splicer;

    public EpollSocketChannel() {
        super(newSocketStream(), false);
        config = new EpollSocketChannelConfig(this);
    }

    /**
     *
     * @deprecated use {@link EpollServerSocketChannel#EpollServerSocketChannel(SocketProtocolFamily)}.
     */
    @Deprecated
    public EpollSocketChannel(InternetProtocolFamily protocol) {
        super(newSocketStream(protocol), false);
        config = new EpollSocketChannelConfig(this);
    }

    public EpollSocketChannel(SocketProtocolFamily protocol) {
        super(newSocketStream(protocol), false);
        config = new EpollSocketChannelConfig(this);
    }

    public EpollSocketChannel(int fd) {
        super(fd);
        config = new EpollSocketChannelConfig(this);
    }

    EpollSocketChannel(LinuxSocket fd, boolean active) {
        super(fd, active);
        config = new EpollSocketChannelConfig(this);
    }

    EpollSocketChannel(Channel parent, LinuxSocket fd, InetSocketAddress remoteAddress) {
        super(parent, fd, remoteAddress);
        config = new EpollSocketChannelConfig(this);

        if (parent instanceof EpollServerSocketChannel) {
            tcpMd5SigAddresses = ((EpollServerSocketChannel) parent).tcpMd5SigAddresses();
        }
    }

    /**
     * Returns the {@code TCP_INFO} for the current socket.
     * See <a href="https://linux.die.net//man/7/tcp">man 7 tcp</a>.
     */
    public EpollTcpInfo tcpInfo() {
        return tcpInfo(new EpollTcpInfo());
    }

    /**
     * Updates and returns the {@code TCP_INFO} for the current socket.
     * See <a href="https://linux.die.net//man/7/tcp">man 7 tcp</a>.
     */
    public EpollTcpInfo tcpInfo(EpollTcpInfo info) {
        try {
            socket.getTcpInfo(info);
            return info;
        } catch (IOException e) {
            throw new ChannelException(e);
        }
    }

    /**
     * acr-egress-proxy: from the next read on, what this channel reads goes to {@code target} by splice(2)
     * (socket to pipe to socket, never through user space) instead of through the pipeline; see
     * {@link SocketSplicer}. Writes already queued on {@code target} go out first. Call on the event loop that
     * both channels share.
     *
     * @throws IOException when the pipe cannot be made (e.g. out of file descriptors); nothing changes then
     */
    public void spliceInputTo(EpollSocketChannel target, SocketSplicer.Listener listener) throws IOException {
        if (!eventLoop().inEventLoop() || target.eventLoop() != eventLoop()) {
            throw new IllegalStateException("spliceInputTo must run on the event loop both channels share");
        }
        if (splicer != null) {
            throw new IllegalStateException("input is spliced already");
        }
        splicer = new SocketSplicer(this, target, listener);
    }

    /** acr-egress-proxy: true once {@link #spliceInputTo} has been called. */
    public boolean isSplicingInput() {
        return splicer != null;
    }

    /** acr-egress-proxy: true while the spliced input waits for the target to take the pipe's bytes. */
    public boolean isSplicePausedForTarget() {
        return splicer != null && splicer.isPaused();
    }

    // acr-egress-proxy: a PipeDrain moves bytes from another channel's pipe to this socket, in write order.
    @Override
    protected int doWriteSingle(ChannelOutboundBuffer in) throws Exception {
        Object msg = in.current();
        if (msg instanceof SocketSplicer.PipeDrain) {
            return ((SocketSplicer.PipeDrain) msg).writeTo(socket, in);
        }
        return super.doWriteSingle(in);
    }

    // acr-egress-proxy
    @Override
    protected Object filterOutboundMessage(Object msg) {
        return msg instanceof SocketSplicer.PipeDrain ? msg : super.filterOutboundMessage(msg);
    }

    // acr-egress-proxy: the splicer's pipe outlives this channel until its last bytes have gone out.
    @Override
    protected void doClose() throws Exception {
        try {
            super.doClose();
        } finally {
            if (splicer != null) {
                splicer.sourceClosed();
            }
        }
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return (InetSocketAddress) super.remoteAddress();
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) super.localAddress();
    }

    @Override
    public EpollSocketChannelConfig config() {
        return config;
    }

    @Override
    public ServerSocketChannel parent() {
        return (ServerSocketChannel) super.parent();
    }

    @Override
    protected AbstractEpollUnsafe newUnsafe() {
        return new EpollSocketChannelUnsafe();
    }

    @Override
    boolean doConnect0(SocketAddress remote) throws Exception {
        if (IS_SUPPORTING_TCP_FASTOPEN_CLIENT && config.isTcpFastOpenConnect()) {
            ChannelOutboundBuffer outbound = unsafe().outboundBuffer();
            outbound.addFlush();
            Object curr;
            if ((curr = outbound.current()) instanceof ByteBuf) {
                ByteBuf initialData = (ByteBuf) curr;
                // If no cookie is present, the write fails with EINPROGRESS and this call basically
                // becomes a normal async connect. All writes will be sent normally afterwards.
                long localFlushedAmount = doWriteOrSendBytes(
                        initialData, (InetSocketAddress) remote, true);
                if (localFlushedAmount > 0) {
                    // We had a cookie and our fast-open proceeded. Remove written data
                    // then continue with normal TCP operation.
                    outbound.removeBytes(localFlushedAmount);
                    return true;
                }
            }
        }
        return super.doConnect0(remote);
    }

    private final class EpollSocketChannelUnsafe extends EpollStreamUnsafe {
        // acr-egress-proxy: a spliced input is read by the splicer.
        @Override
        void epollInReady() {
            if (splicer != null) {
                splicer.epollInReady(this);
            } else {
                super.epollInReady();
            }
        }

        @Override
        protected Executor prepareToClose() {
            try {
                // Check isOpen() first as otherwise it will throw a RuntimeException
                // when call getSoLinger() as the fd is not valid anymore.
                if (isOpen() && config().getSoLinger() > 0) {
                    // We need to cancel this key of the channel so we may not end up in a eventloop spin
                    // because we try to read or write until the actual close happens which may be later due
                    // SO_LINGER handling.
                    // See https://github.com/netty/netty/issues/4449
                    registration().cancel();
                    return GlobalEventExecutor.INSTANCE;
                }
            } catch (Throwable ignore) {
                // Ignore the error as the underlying channel may be closed in the meantime and so
                // getSoLinger() may produce an exception. In this case we just return null.
                // See https://github.com/netty/netty/issues/4449
            }
            return null;
        }
    }

    void setTcpMd5Sig(Map<InetAddress, byte[]> keys) throws IOException {
        // Add synchronized as newTcpMp5Sigs might do multiple operations on the socket itself.
        synchronized (this) {
            tcpMd5SigAddresses = TcpMd5Util.newTcpMd5Sigs(this, tcpMd5SigAddresses, keys);
        }
    }
}
