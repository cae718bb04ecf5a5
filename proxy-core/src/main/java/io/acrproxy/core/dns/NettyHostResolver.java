package io.acrproxy.core.dns;

import io.acrproxy.core.transport.Transport;
import io.acrproxy.policy.DurationText;
import io.netty.channel.EventLoop;
import io.netty.resolver.HostsFileEntriesResolver;
import io.netty.resolver.ResolvedAddressTypes;
import io.netty.resolver.dns.DefaultDnsServerAddressStreamProvider;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProvider;
import io.netty.resolver.dns.SequentialDnsServerAddressStreamProvider;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Netty's asynchronous DNS resolver, one per event loop so that a connection's resolution runs on its own
 * loop. Name servers come from {@code /etc/resolv.conf} unless given. The whole resolution (all queries,
 * retries and search domains) is bounded by {@code timeout}.
 */
public final class NettyHostResolver implements HostResolver {
    private final Transport transport;
    private final Duration timeout;
    private final DnsServerAddressStreamProvider servers;
    private final HostsFileEntriesResolver hostsFile;
    private final Map<EventLoop, DnsNameResolver> resolvers = new ConcurrentHashMap<>();

    /** The machine's resolver: its hosts file first, as every program on it does, then its name servers. */
    public NettyHostResolver(Transport transport, Duration timeout) {
        this(transport, timeout, DefaultDnsServerAddressStreamProvider.INSTANCE, HostsFileEntriesResolver.DEFAULT);
    }

    /**
     * The machine's hosts file first, then these name servers (in order) instead of those of {@code /etc/resolv.conf}:
     * a configuration that names its own DNS servers, such as a sidecar resolver.
     */
    public static NettyHostResolver withNameServers(Transport transport, Duration timeout, List<InetSocketAddress> nameServers) {
        return new NettyHostResolver(transport, timeout,
                new SequentialDnsServerAddressStreamProvider(nameServers.toArray(InetSocketAddress[]::new)),
                HostsFileEntriesResolver.DEFAULT);
    }

    /**
     * Only these name servers, without the machine's hosts file: what tests point at loopback servers they run. A
     * hosts file that happens to name the test's host would otherwise answer first and decide the test.
     */
    public NettyHostResolver(Transport transport, Duration timeout, List<InetSocketAddress> nameServers) {
        this(transport, timeout, new SequentialDnsServerAddressStreamProvider(nameServers.toArray(InetSocketAddress[]::new)),
                (name, types) -> null);
    }

    private NettyHostResolver(Transport transport, Duration timeout, DnsServerAddressStreamProvider servers,
            HostsFileEntriesResolver hostsFile) {
        this.transport = transport;
        this.timeout = timeout;
        this.servers = servers;
        this.hostsFile = hostsFile;
    }

    @Override
    public Future<List<InetAddress>> resolve(String host, EventLoop loop) {
        Promise<List<InetAddress>> result = loop.newPromise();
        DnsNameResolver resolver = resolvers.computeIfAbsent(loop, this::newResolver);
        Future<List<InetAddress>> lookup = resolver.resolveAll(host);
        ScheduledFuture<?> deadline = loop.schedule(() -> {
            result.tryFailure(new DnsFailures.ResolveTimeoutException("no answer for " + host + " within " + DurationText.of(timeout)));
            lookup.cancel(false);
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        lookup.addListener(f -> {
            deadline.cancel(false);
            if (f.isSuccess()) {
                result.trySuccess(lookup.getNow());
            } else {
                result.tryFailure(f.cause());
            }
        });
        return result;
    }

    private DnsNameResolver newResolver(EventLoop loop) {
        return new DnsNameResolverBuilder(loop)
                .datagramChannelType(transport.datagramChannel())
                .nameServerProvider(servers)
                .hostsFileEntriesResolver(hostsFile)
                .queryTimeoutMillis(Math.max(1, timeout.toMillis() / 2))
                .resolvedAddressTypes(ResolvedAddressTypes.IPV4_PREFERRED)
                .build();
    }

    @Override
    public void close() {
        resolvers.values().forEach(DnsNameResolver::close);
        resolvers.clear();
    }
}
