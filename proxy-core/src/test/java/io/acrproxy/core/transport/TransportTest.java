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
}
