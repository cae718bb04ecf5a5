package io.acrproxy.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.acrproxy.core.auth.PasswordHash;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Basic proxy authentication as Go/curl (preemptive) and .NET (challenge, then retry on the same connection) use it. */
class ProxyAuthIT {
    private static String edgeHash;
    private static String colonHash;
    private static String unicodeHash;

    @TempDir
    Path dir;

    @BeforeAll
    static void hashes() {
        PasswordHash hasher = new PasswordHash();
        edgeHash = hasher.hash("s3cret pass".toCharArray());
        colonHash = hasher.hash("a:b:c".toCharArray());
        unicodeHash = hasher.hash("pässwörd✓".toCharArray());
    }

    private ProxyFixture proxy() throws Exception {
        return new ProxyFixture("""
                extraHosts: [example.org]
                auth:
                  realm: egress
                  users:
                    - {name: edge, passwordHash: '%s'}
                    - {name: colon, passwordHash: '%s'}
                    - {name: jürgen, passwordHash: '%s'}
                """.formatted(edgeHash, colonHash, unicodeHash), dir, new ProxyServerIT.FailingResolver());
    }

    private static String basic(String userPass) {
        return "Basic " + Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8));
    }

    private static String connect(String authorization) {
        return "CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n"
                + (authorization == null ? "" : "Proxy-Authorization: " + authorization + "\r\n") + "\r\n";
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
            preemptive                 | edge:s3cret pass     | 403
            colon in the password      | colon:a:b:c          | 403
            non-ASCII user and password| jürgen:pässwörd✓     | 403
            wrong password             | edge:wrong           | 407
            unknown user               | nobody:s3cret pass   | 407
            """)
    void credentials(String name, String userPass, int status) throws Exception {
        try (ProxyFixture proxy = proxy(); RawProxyClient client = new RawProxyClient(proxy.address())) {
            // 403: authenticated, then refused by the policy (evil.example is not allowed) — the point is "not 407".
            RawProxyClient.Response r = client.send(connect(basic(userPass))).readResponse();
            assertThat(r.status()).isEqualTo(status);
            if (status == 407) {
                assertThat(r.header("Proxy-Authenticate")).isEqualTo("Basic realm=\"egress\", charset=\"UTF-8\"");
                assertThat(r.reasonPhrase()).startsWith("Proxy authentication required: credentials rejected");
            }
        }
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', textBlock = """
            malformed base64 | Basic !!!notbase64
            unknown scheme   | Bearer abc.def
            no colon         | Basic ZWRnZQ==
            empty value      | ' '
            """)
    void malformedCredentialsAre407NeverAnError(String name, String header) throws Exception {
        try (ProxyFixture proxy = proxy(); RawProxyClient client = new RawProxyClient(proxy.address())) {
            RawProxyClient.Response r = client.send(connect(header.isBlank() ? "" : header)).readResponse();
            assertThat(r.status()).isEqualTo(407);
        }
    }

    @Test
    void challengeThenRetryOnTheSameConnection() throws Exception {
        try (ProxyFixture proxy = proxy(); RawProxyClient client = new RawProxyClient(proxy.address())) {
            RawProxyClient.Response challenge = client.send(connect(null)).readResponse();
            assertThat(challenge.status()).isEqualTo(407);
            assertThat(challenge.header("Connection")).isNotEqualTo("close");
            RawProxyClient.Response retried = client.send(connect(basic("edge:s3cret pass"))).readResponse();
            assertThat(retried.status()).isEqualTo(403);
            org.awaitility.Awaitility.await().until(() -> proxy.accessLines().stream().anyMatch(l -> l.contains("\"user\":\"edge\"")));
            assertThat(String.join("\n", proxy.accessLines())).doesNotContain("s3cret");
        }
    }

    @Test
    void repeatedFailuresCloseTheConnection() throws Exception {
        try (ProxyFixture proxy = proxy(); RawProxyClient client = new RawProxyClient(proxy.address())) {
            for (int i = 0; i < 2; i++) {
                assertThat(client.send(connect(basic("edge:guess" + i))).readResponse().status()).isEqualTo(407);
            }
            RawProxyClient.Response last = client.send(connect(basic("edge:guess3"))).readResponse();
            assertThat(last.status()).isEqualTo(407);
            assertThat(last.header("Connection")).isEqualTo("close");
            assertThat(client.closedByPeer()).isTrue();
        }
    }

    @Test
    void aClientThatKeepsGuessingIsRefusedOthersAreNot() throws Exception {
        java.net.InetAddress guesser = java.net.InetAddress.getByName("127.0.0.51");
        java.net.InetAddress honest = java.net.InetAddress.getByName("127.0.0.52");
        try (ProxyFixture proxy = proxy()) {
            for (int i = 0; i < io.acrproxy.core.auth.ProxyAuthenticator.MAX_FAILURES_PER_WINDOW; i++) {
                try (RawProxyClient c = new RawProxyClient(proxy.address(), guesser)) {
                    assertThat(c.send(connect(basic("edge:guess" + i))).readResponse().status()).isEqualTo(407);
                }
            }
            try (RawProxyClient c = new RawProxyClient(proxy.address(), guesser)) {
                RawProxyClient.Response r = c.send(connect(basic("edge:s3cret pass"))).readResponse();
                assertThat(r.status()).isEqualTo(429);
                assertThat(r.header("Retry-After")).isEqualTo("60");
            }
            try (RawProxyClient c = new RawProxyClient(proxy.address(), honest)) {
                assertThat(c.send(connect(basic("edge:s3cret pass"))).readResponse().status()).isEqualTo(403);
            }
        }
    }

    @Test
    void curlWithProxyUser() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "curl is not installed (.ci/run installs it)");
        try (ProxyFixture proxy = proxy()) {
            String proxyUrl = "http://127.0.0.1:" + proxy.address().getPort();
            assertThat(curl("--proxy", proxyUrl, "--proxy-user", "edge:s3cret pass", "https://evil.example/"))
                    .contains("403 Forbidden by egress policy");
            assertThat(curl("--proxy", proxyUrl, "--proxy-user", "edge:wrong", "https://evil.example/"))
                    .contains("407");
            // Credentials in the proxy URL, percent-encoded as the README says (a space is %20).
            assertThat(curl("--proxy", "http://edge:s3cret%20pass@127.0.0.1:" + proxy.address().getPort(), "https://evil.example/"))
                    .contains("403 Forbidden by egress policy");
        }
    }

    private static String curl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("curl", "--silent", "--show-error", "--verbose", "--max-time", "20"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }
}
