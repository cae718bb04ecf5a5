package io.acrproxy.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The concrete addresses a listening socket answers on, for the {@code proxy_loop} check (design §6.5):
 * a wildcard bind (0.0.0.0 or ::) answers on every interface address, so each of them with the port.
 * Enumerating interfaces blocks briefly, which is why it runs at start-up and never on an event loop.
 */
final class OwnAddresses {
    private OwnAddresses() {
    }

    static Set<InetSocketAddress> of(InetSocketAddress bound) {
        Set<InetSocketAddress> out = new LinkedHashSet<>();
        out.add(bound);
        if (bound.getAddress().isAnyLocalAddress()) {
            try {
                for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                    for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                        // Zone ids (fe80::1%eth0) do not survive the comparison with a resolved address.
                        out.add(new InetSocketAddress(InetAddress.getByAddress(a.getAddress()), bound.getPort()));
                    }
                }
            } catch (SocketException | java.net.UnknownHostException e) {
                throw new IllegalStateException("cannot list this machine's interface addresses for the proxy-loop check", e);
            }
        }
        return out;
    }
}
