package io.acrproxy.core.dns;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;

/** {@code resolver.hosts}: fixed answers checked before DNS (design §3); other names go to the delegate. */
public final class StaticHostResolver implements HostResolver {
    private final Map<String, List<InetAddress>> hosts;
    private final HostResolver delegate;

    public StaticHostResolver(Map<String, List<InetAddress>> hosts, HostResolver delegate) {
        this.hosts = Map.copyOf(hosts);
        this.delegate = delegate;
    }

    @Override
    public Future<List<InetAddress>> resolve(String host, EventLoop loop) {
        List<InetAddress> fixed = hosts.get(host);
        if (fixed != null) {
            return loop.newSucceededFuture(fixed);
        }
        return delegate.resolve(host, loop);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
