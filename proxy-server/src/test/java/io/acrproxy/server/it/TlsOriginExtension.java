package io.acrproxy.server.it;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link TlsOrigin} for one test class: started before its tests, closed after them.
 * {@code @RegisterExtension static final TlsOriginExtension origin = TlsOriginExtension.on("127.0.0.21");}
 */
final class TlsOriginExtension implements BeforeAllCallback, AfterAllCallback {
    private final String loopbackAddress;
    private TlsOrigin origin;

    private TlsOriginExtension(String loopbackAddress) {
        this.loopbackAddress = loopbackAddress;
    }

    static TlsOriginExtension on(String loopbackAddress) {
        return new TlsOriginExtension(loopbackAddress);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        origin = new TlsOrigin(loopbackAddress);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        origin.close();
    }

    InetSocketAddress address() {
        return origin.address();
    }

    int port() {
        return origin.port();
    }

    /** See {@link TlsOrigin#requests()}. */
    int requests() {
        return origin.requests();
    }
}
