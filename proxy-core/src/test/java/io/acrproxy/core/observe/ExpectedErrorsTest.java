package io.acrproxy.core.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.socket.ChannelOutputShutdownException;
import java.io.IOException;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ExpectedErrorsTest {
    static Stream<Arguments> errors() {
        IOException cycle = new IOException("one");
        cycle.initCause(new IOException("two", cycle));
        return Stream.of(
                Arguments.of(new IOException("Connection reset by peer"), true),
                Arguments.of(new SocketException("Connection reset"), true),
                Arguments.of(new IOException("recvAddress(..) failed with error(-104): Connection reset by peer"), true),
                Arguments.of(new IOException("writevAddresses(..) failed: Broken pipe"), true),
                Arguments.of(new IOException("Software caused connection abort: connection aborted"), true),
                Arguments.of(new ClosedChannelException(), true),
                Arguments.of(new java.nio.channels.NotYetConnectedException(), true),
                Arguments.of(new IOException("flush failed", new ClosedChannelException()), true),
                Arguments.of(new IOException("No space left on device"), false),
                Arguments.of(new IOException((String) null), false),
                Arguments.of(new ChannelOutputShutdownException("write after shutdownOutput"), false),
                Arguments.of(new IllegalStateException("Connection reset"), false),
                Arguments.of(new RuntimeException("wrapped", new IllegalStateException("bug")), false),
                Arguments.of(cycle, false));
    }

    @ParameterizedTest
    @MethodSource("errors")
    void tellsTheNetworksOrdinaryEndingsFromBugs(Throwable error, boolean expected) {
        assertThat(ExpectedErrors.isExpected(error)).isEqualTo(expected);
    }
}
