package io.acrproxy.core.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.acrproxy.core.testing.TrackingAllocator;
import io.acrproxy.policy.Reason;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class ProxyResponsesTest {
    private static final String DENIED = "Forbidden by egress policy: evilreg.azurecr.io is not an allowed registry endpoint";

    private final TrackingAllocator alloc = new TrackingAllocator();

    @AfterEach
    void allReleased() {
        alloc.assertAllReleased();
    }

    @Test
    void connectionEstablishedIsExactlyTheStatusLineAndABlankLine() {
        ByteBuf buf = ProxyResponses.connectionEstablished(alloc);
        try {
            assertThat(buf.toString(StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200 Connection established\r\n\r\n");
        } finally {
            buf.release();
        }
    }

    @Test
    void a403CarriesTheMessageInPhraseProxyStatusAndBody() {
        ByteBuf buf = ProxyResponses.encode(Refusal.of(Reason.HOST_NOT_ALLOWED, DENIED), alloc);
        try {
            assertThat(buf.toString(StandardCharsets.US_ASCII)).isEqualTo(
                    "HTTP/1.1 403 " + DENIED + "\r\n"
                            + "Proxy-Status: acr-egress-proxy; error=http_request_denied; details=\"" + DENIED + "\"\r\n"
                            + "Content-Type: text/plain; charset=utf-8\r\n"
                            + "Content-Length: 83\r\n"
                            + "Connection: close\r\n"
                            + "\r\n"
                            + DENIED + "\n");
        } finally {
            buf.release();
        }
    }

    @Test
    void theProxyStatusErrorComesFromTheReason() {
        String response = ProxyResponses.render(Refusal.of(Reason.IP_LITERAL_NOT_ALLOWED, "Forbidden: 20.1.2.3"));

        assertThat(header(response, "Proxy-Status"))
                .isEqualTo("acr-egress-proxy; error=destination_ip_prohibited; details=\"Forbidden: 20.1.2.3\"");
    }

    @Test
    void aLineBreakInTheMessageCannotInjectHeaders() {
        String response = ProxyResponses.render(Refusal.of(Reason.HOST_NOT_ALLOWED,
                "Forbidden: evil.io\r\nSet-Cookie: a=b\r\n\r\n<script>\n"));

        assertThat(response).startsWith("HTTP/1.1 403 Forbidden: evil.io Set-Cookie: a=b <script>\r\n");
        assertThat(headLines(response)).extracting(l -> l.substring(0, l.indexOf(':')))
                .containsExactly("Proxy-Status", "Content-Type", "Content-Length", "Connection");
        assertThat(body(response)).isEqualTo("Forbidden: evil.io Set-Cookie: a=b <script>\n");
    }

    @Test
    void detailsAreAnEscapedSfString() {
        String response = ProxyResponses.render(Refusal.of(Reason.HOST_NOT_ALLOWED, "say \"hi\" to C:\\temp"));

        assertThat(response).startsWith("HTTP/1.1 403 say \"hi\" to C:\\temp\r\n");
        assertThat(header(response, "Proxy-Status"))
                .isEqualTo("acr-egress-proxy; error=http_request_denied; details=\"say \\\"hi\\\" to C:\\\\temp\"");
    }

    @Test
    void nonAsciiAndLongMessagesAreSanitisedTheSameEverywhere() {
        String response = ProxyResponses.render(Refusal.of(Reason.HOST_NOT_ALLOWED, "h\u00f4te " + "x".repeat(300)));
        String expected = "h?te " + "x".repeat(192) + "...";

        assertThat(response).startsWith("HTTP/1.1 403 " + expected + "\r\n");
        assertThat(header(response, "Proxy-Status")).endsWith("details=\"" + expected + "\"");
        assertThat(body(response)).isEqualTo(expected + "\n");
        assertThat(response.chars()).allMatch(c -> c == '\r' || c == '\n' || c >= 0x20 && c <= 0x7E);
    }

    @Test
    void aMessageWithNothingPrintableFallsBackToTheStandardPhrase() {
        String response = ProxyResponses.render(Refusal.of(Reason.MALFORMED_REQUEST, "\r\n\t"));

        assertThat(response).startsWith("HTTP/1.1 400 Bad Request\r\n");
        assertThat(body(response)).isEqualTo("Bad Request\n");
    }

    @Test
    void registryRequestsGetTheRegistryJsonError() {
        Refusal refusal = Refusal.of(Reason.METHOD_NOT_ALLOWED, "Forbidden: \"plain\" HTTP is not proxied \\ use HTTPS")
                .withBody(Refusal.Body.REGISTRY_JSON);
        String response = ProxyResponses.render(refusal);
        String json = "{\"errors\":[{\"code\":\"DENIED\",\"message\":"
                + "\"Forbidden: \\\"plain\\\" HTTP is not proxied \\\\ use HTTPS\"}]}\n";

        assertThat(header(response, "Content-Type")).isEqualTo("application/json");
        assertThat(header(response, "Content-Length")).isEqualTo(String.valueOf(json.length()));
        assertThat(body(response)).isEqualTo(json);
    }

    @Test
    void a407ChallengesWithBasicAndKeepsTheConnection() {
        Refusal refusal = Refusal.proxyAuthenticationRequired(Reason.AUTH_REQUIRED,
                "Proxy Authentication Required: send Basic credentials", "acr \"egress\" proxy");

        assertThat(ProxyResponses.render(refusal)).isEqualTo(
                "HTTP/1.1 407 Proxy Authentication Required: send Basic credentials\r\n"
                        + "Proxy-Status: acr-egress-proxy; error=http_request_denied; "
                        + "details=\"Proxy Authentication Required: send Basic credentials\"\r\n"
                        + "Proxy-Authenticate: Basic realm=\"acr \\\"egress\\\" proxy\", charset=\"UTF-8\"\r\n"
                        + "Content-Type: text/plain; charset=utf-8\r\n"
                        + "Content-Length: 54\r\n"
                        + "\r\n"
                        + "Proxy Authentication Required: send Basic credentials\n");
        assertThat(header(ProxyResponses.render(refusal.withKeepAlive(false)), "Connection")).isEqualTo("close");
    }

    @Test
    void a503CarriesRetryAfter() {
        String response = ProxyResponses.render(
                Refusal.of(Reason.CONNECTION_LIMIT, "Service Unavailable: too many connections").withRetryAfter(5));

        assertThat(response).startsWith("HTTP/1.1 503 Service Unavailable: too many connections\r\n");
        assertThat(header(response, "Proxy-Status")).startsWith("acr-egress-proxy; error=connection_limit_reached;");
        assertThat(header(response, "Retry-After")).isEqualTo("5");
        assertThat(header(response, "Connection")).isEqualTo("close");
    }

    @Test
    void a429PerClientCarriesRetryAfterToo() {
        String response = ProxyResponses.render(
                Refusal.of(Reason.CONNECTION_LIMIT, 429, "Too Many Requests: 1000 connections from 10.0.0.7").withRetryAfter(1));

        assertThat(response).startsWith("HTTP/1.1 429 Too Many Requests: 1000 connections from 10.0.0.7\r\n");
        assertThat(header(response, "Retry-After")).isEqualTo("1");
    }

    @Test
    void aHeadRequestGetsNoBody() {
        String response = ProxyResponses.render(Refusal.of(Reason.METHOD_NOT_ALLOWED, "Forbidden")
                .forRequest("HEAD", "http://myreg.azurecr.io/v2/x/manifests/latest"));

        assertThat(response).isEqualTo("HTTP/1.1 403 Forbidden\r\n"
                + "Proxy-Status: acr-egress-proxy; error=http_request_denied; details=\"Forbidden\"\r\n"
                + "Connection: close\r\n\r\n");
    }

    @ParameterizedTest
    @CsvSource({
            "GET,     http://myreg.azurecr.io/v2/,                  REGISTRY_JSON",
            "GET,     HTTP://myreg.azurecr.io:80/v2/x/blobs/sha,   REGISTRY_JSON",
            "POST,    /v2/x/blobs/uploads/,                         REGISTRY_JSON",
            "GET,     http://myreg.azurecr.io/v2,                   TEXT",
            "GET,     http://myreg.azurecr.io/v1/,                  TEXT",
            "GET,     http://myreg.azurecr.io?/v2/,                 TEXT",
            "GET,     http://myreg.azurecr.io,                      TEXT",
            "GET,     ftp://myreg.azurecr.io/v2/,                   TEXT",
            "CONNECT, myreg.azurecr.io:443,                         TEXT",
            "HEAD,    http://myreg.azurecr.io/v2/,                  NONE",
    })
    void fitsTheBodyToTheRequest(String method, String target, Refusal.Body body) {
        assertThat(Refusal.of(Reason.METHOD_NOT_ALLOWED, "Forbidden").forRequest(method, target).body()).isEqualTo(body);
    }

    @ParameterizedTest
    @EnumSource(value = Reason.class, names = {"ALLOWED", "NOT_TLS", "SNI_MISMATCH", "CLIENT_HELLO_TIMEOUT"})
    void reasonsWithoutAnHttpAnswerCannotBeRefusals(Reason reason) {
        assertThatThrownBy(() -> Refusal.of(reason, 403, "x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesCombinationsHttpDoesNotAllow() {
        assertThatThrownBy(() -> Refusal.of(Reason.AUTH_REQUIRED, "no challenge"))
                .as("407 without Proxy-Authenticate").isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Refusal.of(Reason.HOST_NOT_ALLOWED, "x").withRetryAfter(5))
                .as("Retry-After on 403").isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Refusal.of(Reason.CONNECTION_LIMIT, "x").withRetryAfter(-1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Refusal.of(Reason.HOST_NOT_ALLOWED, 200, "x"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static List<String> headLines(String response) {
        String head = response.substring(0, response.indexOf("\r\n\r\n"));
        List<String> lines = List.of(head.split("\r\n", -1));
        return lines.subList(1, lines.size());
    }

    private static String header(String response, String name) {
        return headLines(response).stream()
                .filter(l -> l.startsWith(name + ": "))
                .map(l -> l.substring(name.length() + 2))
                .findFirst()
                .orElse(null);
    }

    private static String body(String response) {
        return response.substring(response.indexOf("\r\n\r\n") + 4);
    }
}
