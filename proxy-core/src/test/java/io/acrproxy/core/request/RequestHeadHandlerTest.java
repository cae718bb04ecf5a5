package io.acrproxy.core.request;

import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.core.connection.ClientConnection;
import io.acrproxy.core.testing.ClientChannel;
import io.acrproxy.core.testing.TestEvents;
import io.acrproxy.policy.Reason;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Stage 2 on an EmbeddedChannel: the head arrives in time and well-formed, or the request stage answers. */
class RequestHeadHandlerTest {
    private static final RequestSettings SETTINGS = new RequestSettings(Duration.ofSeconds(10), 16384);

    private final TestEvents events = new TestEvents();
    private final ClientChannel ch = ClientChannel.from("10.0.0.7");
    private final ClientConnection connection = new ClientConnection(ch, events.events);
    private final List<Object> passedOn = new ArrayList<>();

    @AfterEach
    void close() {
        ch.finishAndReleaseAll();
        events.close();
    }

    private ClientChannel start() {
        return ch.start(RequestHeadHandler.newDecoder(SETTINGS), new RequestHeadHandler(connection, SETTINGS),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        passedOn.add(msg);
                    }
                });
    }

    @Test
    void aCompleteHeadGoesOnWithItsMethodAndTargetInTheRecord() {
        start().send("CONNECT myreg.azurecr.io:443 HTTP/1.1\r\nHost: x\r\n\r\n");

        assertThat(passedOn).singleElement().isInstanceOfSatisfying(RequestHead.class,
                head -> assertThat(head.target()).isEqualTo("myreg.azurecr.io:443"));
        assertThat(connection.record().method()).isEqualTo("CONNECT");
        assertThat(connection.record().target()).isEqualTo("myreg.azurecr.io:443");
        assertThat(ch.written()).isEmpty();
    }

    @Test
    void aHeadThatDoesNotArriveInTimeIsAnswered408() {
        start().send("CONNECT myreg.azurecr.io:443 HTTP/1.1\r\n");

        ch.advanceTimeBy(10, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();

        assertThat(ch.written()).startsWith("HTTP/1.1 408 Request timeout: the request head did not arrive within 10s");
        assertThat(ch.isOpen()).isFalse();
        assertThat(connection.record().reason()).isEqualTo(Reason.HEADER_TIMEOUT);
        assertThat(connection.record().rule()).isEqualTo("timeouts.requestHeader");
        assertThat(events.denied("header_timeout")).isEqualTo(1);
        assertThat(passedOn).isEmpty();
    }

    @Test
    void theTimerStopsWhenTheHeadHasArrived() {
        start().send("CONNECT myreg.azurecr.io:443 HTTP/1.1\r\n\r\n");

        ch.advanceTimeBy(1, TimeUnit.MINUTES);
        ch.runScheduledPendingTasks();

        assertThat(ch.written()).isEmpty();
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void aHeadTheDecoderRefusesIsAnsweredWithTheDecodersStatus() {
        start().send("CONNECT myreg.azurecr.io:443 HTTP/1.1\r\nContent-Length: 5\r\n\r\n");

        assertThat(ch.written()).startsWith("HTTP/1.1 400 ");
        assertThat(ch.isOpen()).isFalse();
        assertThat(connection.record().reason()).isEqualTo(Reason.MALFORMED_REQUEST);
        assertThat(connection.record().rule()).isEqualTo("request head");
        assertThat(passedOn).isEmpty();
    }

    @Test
    void aClientThatSendsItsFinBeforeAWholeHeadIsClosedWithoutAnAnswer() {
        start().send("CONNECT myreg.azurecr.io:443 HTTP/1.1\r\n");

        ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);

        assertThat(ch.isOpen()).isFalse();
        assertThat(ch.written()).isEmpty();
    }

    @Test
    void readAnotherHeadStartsTheTimerAgainWithAFreshDecoder() {
        start().send("CONNECT myreg.azurecr.io:443 HTTP/1.1\r\n\r\n");
        RequestHeadDecoder first = ch.pipeline().get(RequestHeadDecoder.class);

        ch.pipeline().get(RequestHeadHandler.class).readAnotherHead();
        assertThat(ch.pipeline().get(RequestHeadDecoder.class)).isNotSameAs(first);
        ch.send("CONNECT myreg.azurecr.io:443 HTTP/1.1\r\nProxy-Authorization: Basic eDp5\r\n\r\n");
        assertThat(passedOn).hasSize(2);

        ch.pipeline().get(RequestHeadHandler.class).readAnotherHead();
        ch.advanceTimeBy(10, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.written()).startsWith("HTTP/1.1 408 ");
    }
}
