package io.acrproxy.core.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.core.connection.ClientConnection;
import io.acrproxy.core.request.RequestHead;
import io.acrproxy.core.request.RequestHeadHandler;
import io.acrproxy.core.request.RequestSettings;
import io.acrproxy.core.testing.ClientChannel;
import io.acrproxy.core.testing.TestEvents;
import io.acrproxy.policy.Reason;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Stage 3 on an EmbeddedChannel: credentials up front, the 407 loop on one connection, and its limits. */
class ProxyAuthHandlerTest {
    private static final RequestSettings SETTINGS = new RequestSettings(Duration.ofSeconds(10), 16384);
    /** Few iterations: the test is about the handler, not the hash's cost. */
    private static final String HASH = new PasswordHash(new SecureRandom(), PasswordHash.MIN_ITERATIONS)
            .hash("s3cret".toCharArray());

    private final TestEvents events = new TestEvents();
    private final ProxyAuthenticator authenticator = new ProxyAuthenticator(Map.of("edge", HASH), "acr-egress-proxy",
            Runnable::run); // verified at once on the test's thread
    private final List<RequestHead> passedOn = new ArrayList<>();
    private ClientChannel ch;
    private ClientConnection connection;

    @AfterEach
    void close() {
        ch.finishAndReleaseAll();
        events.close();
    }

    private ClientChannel connect(String ip) {
        ch = ClientChannel.from(ip);
        connection = new ClientConnection(ch, events.events);
        return ch.start(RequestHeadHandler.newDecoder(SETTINGS), new RequestHeadHandler(connection, SETTINGS),
                new ProxyAuthHandler(connection, authenticator), new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        passedOn.add((RequestHead) msg);
                    }
                });
    }

    private static String connect(String user, String password) {
        String head = "CONNECT myreg.azurecr.io:443 HTTP/1.1\r\n";
        if (user != null) {
            head += "Proxy-Authorization: Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)) + "\r\n";
        }
        return head + "\r\n";
    }

    @Test
    void credentialsSentUpFrontLetTheHeadGoOnWithTheUserInTheRecord() {
        connect("10.0.0.7").send(connect("edge", "s3cret"));

        assertThat(passedOn).hasSize(1);
        assertThat(connection.record().user()).isEqualTo("edge");
        assertThat(ch.written()).isEmpty();
    }

    @Test
    void noCredentialsGetAChallengeThatKeepsTheConnectionForTheRetriedRequest() {
        connect("10.0.0.7").send(connect(null, null));

        String challenge = ch.written();
        assertThat(challenge).startsWith("HTTP/1.1 407 Proxy authentication required: this proxy needs credentials")
                .contains("\r\nProxy-Authenticate: Basic realm=\"acr-egress-proxy\"")
                .doesNotContain("Connection: close");
        assertThat(ch.isOpen()).isTrue();
        assertThat(passedOn).isEmpty();

        ch.send(connect("edge", "s3cret"));

        assertThat(passedOn).hasSize(1);
        assertThat(connection.record().user()).isEqualTo("edge");
        assertThat(events.denied("auth_required")).as("a challenge that was answered is not a refusal").isZero();
    }

    @Test
    void theThirdWrongAnswerOnOneConnectionClosesIt() {
        connect("10.0.0.7").send(connect("edge", "wrong"));
        assertThat(ch.written()).startsWith("HTTP/1.1 407 Proxy authentication required: credentials rejected "
                + "(wrong user name or password)");
        ch.send(connect("edge", "wrong"));
        assertThat(ch.isOpen()).isTrue();
        ch.written();

        ch.send(connect("edge", "wrong"));

        assertThat(ch.written()).startsWith("HTTP/1.1 407 ").contains("\r\nConnection: close\r\n");
        assertThat(ch.isOpen()).isFalse();
        assertThat(connection.record().reason()).isEqualTo(Reason.AUTH_FAILED);
        assertThat(events.denied("auth_failed")).isEqualTo(1);
    }

    @Test
    void anAddressThatFailedTooOftenIsRefused429UntilTheWindowEnds() {
        for (int i = 0; i < ProxyAuthenticator.MAX_FAILURES_PER_WINDOW; i++) {
            authenticator.recordFailure(address("10.0.0.9"));
        }

        connect("10.0.0.9").send(connect("edge", "s3cret"));

        assertThat(ch.written()).startsWith("HTTP/1.1 429 Too many requests from this client: too many failed proxy "
                + "logins from this address").contains("\r\nRetry-After: 60\r\n");
        assertThat(passedOn).isEmpty();

        connect("10.0.0.7").send(connect("edge", "s3cret"));
        assertThat(passedOn).as("another address is not affected").hasSize(1);
    }

    private static java.net.InetAddress address(String ip) {
        try {
            return java.net.InetAddress.getByName(ip);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
