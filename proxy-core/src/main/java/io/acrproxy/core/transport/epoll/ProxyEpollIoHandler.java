package io.acrproxy.core.transport.epoll;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.ThreadAwareExecutor;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Netty's {@code EpollIoHandler}, unchanged, behind the two seams Netty 4.2 gives every {@link IoHandler}: the
 * registration each channel receives and the handle epoll's events are delivered to. Through them it adds what the
 * proxy needs without a copy of Netty's classes:
 * <ul>
 *   <li>each registration is a {@link KeptInEpollRegistration}, which works around the half-close regression of
 *       netty/netty#16689;</li>
 *   <li>each handle is a {@link SpliceableHandle}, so that {@link Splicer} can take over the reads of a channel whose
 *       input is relayed by splice(2).</li>
 * </ul>
 *
 * <p>Everything else — the epoll loop, timers, wake-ups, the order in which a channel sees its events — is Netty's.
 * Only {@link #register} and the loop's own thread touch the handle table, so it needs no lock.
 */
public final class ProxyEpollIoHandler implements IoHandler {
    /** The handler of the event loop running on this thread, for {@link Splicer#start}. */
    private static final FastThreadLocal<ProxyEpollIoHandler> CURRENT = new FastThreadLocal<>();

    private final IoHandler netty;
    private final Map<IoHandle, SpliceableHandle> handles = new IdentityHashMap<>();

    private ProxyEpollIoHandler(IoHandler netty) {
        this.netty = netty;
    }

    /** Event loops with Netty's epoll handler wrapped as described above. */
    public static IoHandlerFactory newFactory() {
        IoHandlerFactory netty = EpollIoHandler.newFactory();
        return new IoHandlerFactory() {
            @Override
            public IoHandler newHandler(ThreadAwareExecutor executor) {
                return new ProxyEpollIoHandler(netty.newHandler(executor));
            }

            @Override
            public boolean isChangingThreadSupported() {
                return netty.isChangingThreadSupported();
            }
        };
    }

    /** The handler of the event loop the calling thread runs, or {@code null} on any other thread. */
    static ProxyEpollIoHandler current() {
        return CURRENT.getIfExists();
    }

    /** The handle registered for {@code ioHandle} (a channel's {@code unsafe()}), or {@code null}. */
    SpliceableHandle handleOf(Object ioHandle) {
        return handles.get(ioHandle);
    }

    @Override
    public void initialize() {
        CURRENT.set(this);
        netty.initialize();
    }

    @Override
    public int run(IoHandlerContext context) {
        return netty.run(context);
    }

    @Override
    public void prepareToDestroy() {
        netty.prepareToDestroy();
    }

    @Override
    public void destroy() {
        try {
            netty.destroy();
        } finally {
            CURRENT.remove();
        }
    }

    @Override
    public IoRegistration register(IoHandle handle) throws Exception {
        if (!(handle instanceof EpollIoHandle epollHandle)) {
            return netty.register(handle); // Netty's own error for a handle it cannot take
        }
        SpliceableHandle wrapped = new SpliceableHandle(epollHandle, () -> handles.remove(handle));
        handles.put(handle, wrapped);
        try {
            KeptInEpollRegistration registration = new KeptInEpollRegistration(netty.register(wrapped));
            wrapped.registered(registration);
            return registration;
        } catch (Exception | Error e) {
            handles.remove(handle);
            throw e;
        }
    }

    @Override
    public void wakeup() {
        netty.wakeup();
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return netty.isCompatible(handleType);
    }
}
