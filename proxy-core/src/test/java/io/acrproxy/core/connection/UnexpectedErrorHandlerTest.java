package io.acrproxy.core.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.core.testing.ClientChannel;
import io.acrproxy.core.testing.TestEvents;
import io.acrproxy.policy.Reason;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The tail of a connection's pipeline: expected network errors are quiet, anything else is a 500 at most once. */
class UnexpectedErrorHandlerTest {
    private final TestEvents events = new TestEvents();
    private final ClientChannel ch = ClientChannel.from("10.0.0.7");
    private final ClientConnection connection = new ClientConnection(ch, events.events);

    @AfterEach
    void close() {
        ch.finishAndReleaseAll();
        events.close();
    }

    @Test
    void aResetClosesTheConnectionWithoutAnAnswer() {
        ch.start(new UnexpectedErrorHandler(connection));

        ch.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));

        assertThat(ch.isOpen()).isFalse();
        assertThat(ch.written()).isEmpty();
    }

    @Test
    void anUnexpectedErrorIsAnswered500WithoutItsStackTrace() {
        ch.start(new UnexpectedErrorHandler(connection));

        ch.pipeline().fireExceptionCaught(new IllegalStateException("a bug, with secrets in its message"));

        String answer = ch.written();
        assertThat(answer).startsWith("HTTP/1.1 500 Internal proxy error: see the proxy's log\r\n")
                .doesNotContain("IllegalStateException").doesNotContain("secrets");
        assertThat(connection.record().reason()).isEqualTo(Reason.INTERNAL_ERROR);
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void anErrorAfterTheAnswerOnlyCloses() {
        ch.start(new UnexpectedErrorHandler(connection));
        connection.tunnelStarted(); // the 200 went out

        ch.pipeline().fireExceptionCaught(new IllegalStateException("late"));

        assertThat(ch.written()).isEmpty();
        assertThat(ch.isOpen()).isFalse();
    }
}
