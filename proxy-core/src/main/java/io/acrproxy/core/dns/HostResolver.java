package io.acrproxy.core.dns;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.util.List;

/**
 * Resolves a host name to its addresses without blocking the calling event loop. The data plane resolves
 * once, filters the answer (design §6.5) and connects to a checked address: it never resolves again between
 * check and connect.
 */
public interface HostResolver extends AutoCloseable {

    /**
     * @param host a normalised host name
     * @param loop the event loop of the connection; the returned future completes on it
     * @return every address of {@code host} (IPv4 first), or a failure classified by {@link DnsFailures}
     */
    Future<List<InetAddress>> resolve(String host, EventLoop loop);

    @Override
    void close();
}
