package io.acrproxy.core.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.core.connection.ClientConnection;
import io.acrproxy.core.decide.AllowedConnect;
import io.acrproxy.core.dns.DnsFailures;
import io.acrproxy.core.dns.HostResolver;
import io.acrproxy.core.testing.ClientChannel;
import io.acrproxy.core.testing.TestEvents;
import io.acrproxy.policy.Decision;
import io.acrproxy.policy.Policy;
import io.acrproxy.policy.PolicySpec;
import io.acrproxy.policy.Reason;
import io.acrproxy.policy.RegistrySpec;
import io.acrproxy.policy.host.Authority;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Stage 6 on an EmbeddedChannel, with the resolver and the connector as fakes: resolve once, filter, connect. */
class UpstreamHandlerTest {
    private static final Policy POLICY = Policy.compile(PolicySpec.builder().registries(RegistrySpec.named("myreg")).build());

    private final TestEvents events = new TestEvents();
    private final ClientChannel ch = ClientChannel.from("10.0.0.7");
    private final ClientConnection connection = new ClientConnection(ch, events.events);
    private final ClientChannel upstream = ClientChannel.from("20.1.2.3");
    private final List<List<InetSocketAddress>> dialled = new ArrayList<>();
    private final List<Channel> connected = new ArrayList<>();
    private Promise<List<InetAddress>> lookup;
    private Promise<Channel> connect;

    @AfterEach
    void close() {
        ch.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
        events.close();
    }

    private void start(String target) {
        HostResolver resolver = new HostResolver() {
            @Override
            public Future<List<InetAddress>> resolve(String host, EventLoop loop) {
                lookup = loop.newPromise();
                return lookup;
            }

            @Override
            public void close() {
            }
        };
        Connector connector = (loop, addresses) -> {
            dialled.add(addresses);
            connect = loop.newPromise();
            return connect;
        };
        upstream.start();
        ch.start(new UpstreamHandler(connection, Upstreams.direct(resolver, connector), (ctx, request, up) -> connected.add(up)));
        Authority authority = Authority.parse(target);
        Decision decision = POLICY.decide(authority);
        ch.writeInbound(new AllowedConnect(authority, decision, POLICY.defaultGroup()));
    }

    private static InetAddress ip(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void connectsToTheCheckedAddressesOnlyAndHandsTheUpstreamOn() {
        start("myreg.azurecr.io:443");
        lookup.setSuccess(List.of(ip("127.0.0.1"), ip("20.1.2.3"), ip("169.254.169.254")));

        assertThat(dialled).singleElement().isEqualTo(List.of(new InetSocketAddress(ip("20.1.2.3"), 443)));

        connect.setSuccess(upstream);

        assertThat(connected).containsExactly(upstream);
        assertThat(connection.record().upstream()).isEqualTo("20.1.2.3:50000");
        assertThat(ch.written()).as("the 200 is the next stage's").isEmpty();
    }

    @Test
    void whenEveryAddressIsProhibitedTheAnswerIs403DestinationProhibited() {
        start("myreg.azurecr.io:443");
        lookup.setSuccess(List.of(ip("127.0.0.1"), ip("168.63.129.16")));

        assertThat(ch.written()).startsWith("HTTP/1.1 403 Forbidden by egress policy: ");
        assertThat(connection.record().reason()).isEqualTo(Reason.DESTINATION_PROHIBITED);
        assertThat(dialled).isEmpty();
    }

    @Test
    void aNameThatDoesNotResolveIs502AndAResolverTimeout504BothErrorsNotDenials() {
        start("myreg.azurecr.io:443");
        lookup.setFailure(new UnknownHostException("myreg.azurecr.io"));

        assertThat(ch.written()).startsWith("HTTP/1.1 502 Bad gateway: myreg.azurecr.io could not be resolved "
                + "(no such name or no answer)");
        assertThat(connection.record().decisionCode()).isEqualTo("error");
        assertThat(events.requests("failed")).isEqualTo(1);

        ClientChannel second = ClientChannel.from("10.0.0.7");
        ClientConnection secondConnection = new ClientConnection(second, events.events);
        HostResolver timingOut = new HostResolver() {
            @Override
            public Future<List<InetAddress>> resolve(String host, EventLoop loop) {
                return loop.newFailedFuture(new DnsFailures.ResolveTimeoutException("resolver.timeout"));
            }

            @Override
            public void close() {
            }
        };
        second.start(new UpstreamHandler(secondConnection, Upstreams.direct(timingOut, (loop, a) -> null), (c, r, u) -> { }));
        Authority target = Authority.parse("myreg.azurecr.io:443");
        second.writeInbound(new AllowedConnect(target, POLICY.decide(target), POLICY.defaultGroup()));
        assertThat(second.written()).startsWith("HTTP/1.1 504 Gateway timeout: myreg.azurecr.io could not be resolved "
                + "(the DNS query timed out)");
    }

    @Test
    void anIpLiteralIsNotResolvedAndARefusedConnectIs502() {
        start("20.1.2.3:443"); // denied by POLICY, but the stage acts on the decision it is given
        assertThat(lookup).as("no lookup for an IP literal").isNull();

        InetSocketAddress address = new InetSocketAddress(ip("20.1.2.3"), 443);
        assertThat(dialled).singleElement().isEqualTo(List.of(address));
        connect.setFailure(UpstreamConnector.ConnectFailure.of(address, new ConnectException("Connection refused")));

        assertThat(ch.written()).startsWith("HTTP/1.1 502 Bad gateway: 20.1.2.3:443 refused the connection");
        assertThat(connection.record().reason()).isEqualTo(Reason.CONNECT_REFUSED);
        assertThat(connected).isEmpty();
    }

    /**
     * Out of file descriptors for the upstream socket: the proxy's shortage, not the target's, so 503 with
     * Retry-After and reason resource_exhausted instead of a 502 that blames the registry. Netty reports EMFILE as a
     * ChannelException around the native error when it cannot make the socket.
     */
    @Test
    void noDescriptorLeftForTheUpstreamSocketIs503ResourceExhausted() {
        start("myreg.azurecr.io:443");
        lookup.setSuccess(List.of(ip("20.1.2.3"), ip("20.1.2.4")));
        InetSocketAddress address = new InetSocketAddress(ip("20.1.2.3"), 443);
        connect.setFailure(UpstreamConnector.ConnectFailure.of(address, new io.netty.channel.ChannelException(
                new java.io.IOException("newSocketStream(..) failed: Too many open files"))));

        assertThat(ch.written()).startsWith("HTTP/1.1 503 Proxy busy: the proxy is out of file descriptors (Too many "
                + "open files) to connect to 20.1.2.3:443; retry shortly").contains("\r\nRetry-After: 2\r\n");
        assertThat(connection.record().reason()).isEqualTo(Reason.RESOURCE_EXHAUSTED);
        assertThat(connected).isEmpty();
        assertThat(UpstreamConnector.ConnectFailure.outOfDescriptors(new java.io.IOException(
                "accept(..) failed: Too many open files in system"))).isEqualTo("Too many open files in system");
        assertThat(UpstreamConnector.ConnectFailure.outOfDescriptors(new ConnectException("Connection refused"))).isNull();
    }

    @Test
    void anUpstreamThatConnectsAfterTheClientLeftIsClosed() {
        start("myreg.azurecr.io:443");
        lookup.setSuccess(List.of(ip("20.1.2.3")));
        ch.close();

        connect.setSuccess(upstream);

        assertThat(upstream.isOpen()).isFalse();
        assertThat(connected).isEmpty();
    }
}
