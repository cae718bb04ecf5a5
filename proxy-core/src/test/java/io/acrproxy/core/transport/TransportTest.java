package io.acrproxy.core.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.ChannelOption;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TransportTest {

    @Test
    void autoIsEpollWhereItLoadsElseNio() {
        assertThat(Transport.select("auto")).isEqualTo(Transport.EPOLL.isAvailable() ? Transport.EPOLL : Transport.NIO);
        assertThat(Transport.available()).contains(Transport.NIO);
    }

    @Test
    void explicitChoicesAreHonouredOrFailWithTheCause() {
        assertThat(Transport.select("nio")).isEqualTo(Transport.NIO);
        for (Transport t : Transport.values()) {
            if (t.isAvailable()) {
                assertThat(Transport.select(t.configName())).isEqualTo(t);
            } else {
                assertThatThrownBy(() -> Transport.select(t.configName()))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageStartingWith("transport " + t.configName() + " is not available on this machine: ");
            }
        }
        assertThatThrownBy(() -> Transport.select("kqueue")).isInstanceOf(IllegalArgumentException.class);
    }

    /** The proxy relies on Netty's default instead of setting the option again (one setsockopt less per socket). */
    @Test
    void everyAvailableTransportMakesTcpChannelsWithNoDelay() throws Exception {
        for (Transport t : Transport.available()) {
            SocketChannel ch = t.socketChannel().getDeclaredConstructor().newInstance();
            try {
                assertThat(ch.config().getOption(ChannelOption.TCP_NODELAY)).as(t.configName()).isTrue();
            } finally {
                ch.unsafe().closeForcibly();
            }
        }
    }

    @Test
    void everyAvailableTransportMakesAWorkingGroup() throws InterruptedException {
        for (Transport t : Transport.available()) {
            MultiThreadIoEventLoopGroup group = t.newGroup(1);
            try {
                assertThat(group.next().submit(() -> 42).syncUninterruptibly().getNow()).isEqualTo(42);
            } finally {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            }
        }
    }

    /**
     * listen.address means what people read in it: 0.0.0.0 takes IPv4 clients only, :: takes both (design §11). The
     * wildcard is bound on an ephemeral port for the moment of the test; only loopback connects to it.
     */
    @Test
    void theWildcardOfAFamilyListensOnThatFamily() throws Exception {
        for (Transport t : Transport.available()) {
            if (t == Transport.IO_URING) {
                continue; // Netty's io_uring channel has no family to choose (documented)
            }
            MultiThreadIoEventLoopGroup group = t.newGroup(1);
            try {
                assertThat(accepts(t, group, "0.0.0.0")).as(t.configName() + " 0.0.0.0").containsExactly("127.0.0.1");
                assertThat(accepts(t, group, "::")).as(t.configName() + " ::").containsExactly("127.0.0.1", "::1");
            } finally {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            }
        }
    }

    /** Which of 127.0.0.1 and ::1 a listener bound to {@code wildcard} accepts. */
    private static java.util.List<String> accepts(Transport t, MultiThreadIoEventLoopGroup group, String wildcard)
            throws Exception {
        java.net.InetAddress bind = java.net.InetAddress.getByName(wildcard);
        io.netty.channel.Channel server = new io.netty.bootstrap.ServerBootstrap().group(group)
                .channelFactory(t.serverChannelFactory(bind))
                .childHandler(new io.netty.channel.ChannelInboundHandlerAdapter())
                .bind(new java.net.InetSocketAddress(bind, 0)).sync().channel();
        try {
            int port = ((java.net.InetSocketAddress) server.localAddress()).getPort();
            java.util.List<String> accepted = new java.util.ArrayList<>();
            for (String client : java.util.List.of("127.0.0.1", "::1")) {
                try (java.net.Socket s = new java.net.Socket()) {
                    s.connect(new java.net.InetSocketAddress(java.net.InetAddress.getByName(client), port), 2000);
                    accepted.add(client);
                } catch (java.net.ConnectException refused) {
                    // not listening on this family
                }
            }
            return accepted;
        } finally {
            server.close().sync();
        }
    }
}
