package io.acrproxy.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.policy.host.Authority;
import io.acrproxy.policy.route.Route;
import io.acrproxy.policy.route.Routes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code parents}, {@code routes} and {@code listen.proxyProtocol}: what loads, what it means, and every error. */
class ParentsConfigTest {
    @TempDir
    Path dir;

    private ProxyConfig load(String yaml, Map<String, String> env) {
        Problems problems = new Problems();
        ProxyConfig c = ConfigLoader.check("registries: [{name: myregistry}]\n" + yaml, dir, problems, env::get);
        assertThat(problems.errors()).isEmpty();
        return c;
    }

    private List<String> errors(String yaml, Map<String, String> env) {
        Problems problems = new Problems();
        ConfigLoader.check("registries: [{name: myregistry}]\n" + yaml, dir, problems, env::get);
        return problems.errors().stream().map(ConfigError::toString).toList();
    }

    private List<String> warnings(String yaml) {
        Problems problems = new Problems();
        ConfigLoader.check("registries: [{name: myregistry}]\n" + yaml, dir, problems, Map.<String, String>of()::get);
        return problems.warnings();
    }

    @Test
    void theIssuesExampleLoadsWithPasswordsFromAFileAndTheEnvironment() throws IOException {
        Files.writeString(dir.resolve("corp-proxy"), "s3cret\n"); // as a mounted secret often is
        ProxyConfig c = load("""
                parents:
                  - name: corp
                    url: http://10.0.0.5:8080
                    user: edge
                    passwordFile: corp-proxy
                  - {name: corp2, url: 'http://Proxy2.Contoso.com:8080/', user: edge, passwordEnv: CORP_PROXY_PASSWORD}
                  - {name: corp3, url: 'http://[fd00::5]:3128'}
                routes:
                  - {hosts: ["*.privatelink.contoso.com"], via: direct}
                  - {hosts: ["*"], via: [corp, corp2]}
                listen:
                  address: 0.0.0.0
                  port: 3128
                  proxyProtocol: {trustedFrom: ["10.0.0.0/24"]}
                  logProbes: true
                timeouts: {parentRetry: 1m}
                """, Map.of("CORP_PROXY_PASSWORD", "env-secret"));

        assertThat(c.parents()).extracting(ProxyConfig.Parent::name).containsExactly("corp", "corp2", "corp3");
        assertThat(c.parents().get(0).password()).isEqualTo("s3cret");
        assertThat(c.parents().get(1).host()).isEqualTo("proxy2.contoso.com");
        assertThat(c.parents().get(1).password()).isEqualTo("env-secret");
        assertThat(c.parents().get(2).host()).isEqualTo("fd00::5");
        assertThat(c.parents().toString()).contains("corp", "edge").doesNotContain("s3cret", "env-secret");
        Routes routes = c.routing();
        assertThat(routes.route(Authority.parse("x.privatelink.contoso.com:443"))).isInstanceOf(Route.Direct.class);
        assertThat(((Route.ViaParents) routes.route(Authority.parse("myregistry.azurecr.io:443"))).parents())
                .extracting(p -> p.name()).containsExactly("corp", "corp2");
        assertThat(c.proxyProtocol().enabled()).isTrue();
        assertThat(c.proxyProtocol().trustedFrom()).hasToString("[10.0.0.0/24]");
        assertThat(c.logProbes()).isTrue();
        assertThat(c.timeouts().parentRetry()).hasSeconds(60);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            parents: [{url: 'http://10.0.0.5:8080'}]                     | parents[0].name: is missing (expected: a name such as corp (lower-case letters, digits, - and _))
            parents: [{name: Corp, url: 'http://10.0.0.5:8080'}]         | parents[0].name: "Corp" is not a valid parent name (expected: 1-63 lower-case letters, digits, - and _, starting with a letter or digit)
            parents: [{name: a, url: 'http://10.0.0.5:1'}, {name: a, url: 'http://10.0.0.6:1'}] | parents[1].name: "a" is listed twice, also at parents[0] (expected: distinct parent names)
            parents: [{name: corp}]                                      | parents[0].url: is missing (expected: http://host:port, e.g. http://10.0.0.5:8080)
            parents: [{name: corp, url: 'https://10.0.0.5:8080'}]        | parents[0].url: "https://10.0.0.5:8080" is not an http:// URL (expected: http://host:port, e.g. http://10.0.0.5:8080; the proxy speaks plain HTTP to its parent, and the tunnels inside are TLS end to end)
            parents: [{name: corp, url: 'http://10.0.0.5'}]              | parents[0].url: "http://10.0.0.5" needs a host and a port (expected: http://host:port, e.g. http://10.0.0.5:8080)
            parents: [{name: corp, url: 'http://10.0.0.5:8080/proxy'}]   | parents[0].url: "http://10.0.0.5:8080/proxy" has a path, query or fragment (expected: http://host:port, e.g. http://10.0.0.5:8080)
            parents: [{name: corp, url: 'http://edge:pw@10.0.0.5:8080'}] | parents[0].url: "http://***@10.0.0.5:8080" has credentials in it (expected: http://host:port, e.g. http://10.0.0.5:8080, with user and passwordFile or passwordEnv)
            parents: [{name: corp, url: 'http://10.0.0.5:8080', user: edge}] | parents[0].user: has no password (expected: passwordFile or passwordEnv; a password is never written in the config)
            parents: [{name: corp, url: 'http://10.0.0.5:8080', passwordEnv: P}] | parents[0].passwordEnv: is set without a user (expected: user as well)
            parents: [{name: corp, url: 'http://10.0.0.5:8080', user: edge, passwordEnv: P, passwordFile: p}] | parents[0].user: has both passwordFile and passwordEnv (expected: one of them)
            parents: [{name: corp, url: 'http://10.0.0.5:8080', user: edge, passwordEnv: NOT_SET}] | parents[0].passwordEnv: "NOT_SET" is not set in the proxy's environment (expected: a variable holding the parent's password)
            parents: [{name: corp, url: 'http://10.0.0.5:8080', user: 'a:b', passwordEnv: P}] | parents[0].user: "a:b" cannot be sent as a Basic user name (expected: a non-empty name without ':' or control characters)
            parents: [{name: corp, url: 'http://10.0.0.5:8080', password: x}] | parents[0].password: unknown key (expected: one of name, url, user, passwordFile, passwordEnv)
            routes: [{hosts: ['*'], via: [corp]}]                        | routes[0].via[0]: "corp" is not a configured parent (expected: one of the names under parents, which has none)
            parents: [{name: corp, url: 'http://10.0.0.5:1'}]\\nroutes: [{hosts: ['*'], via: [corp, corp2]}] | routes[0].via[1]: "corp2" is not a configured parent (expected: one of corp)
            parents: [{name: corp, url: 'http://10.0.0.5:1'}]\\nroutes: [{hosts: ['*'], via: corp}] | routes[0].via: "corp" is not valid (expected: direct, or a list of parent names such as [corp, corp2])
            parents: [{name: corp, url: 'http://10.0.0.5:1'}]\\nroutes: [{hosts: ['*'], via: []}] | routes[0].via: got an empty list (expected: direct, or a list of parent names such as [corp, corp2])
            parents: [{name: corp, url: 'http://10.0.0.5:1'}]\\nroutes: [{via: direct}] | `routes[0].hosts: is missing or empty (expected: host patterns such as ["*.privatelink.contoso.com"] or ["*"])`
            parents: [{name: corp, url: 'http://10.0.0.5:1'}]\\nroutes: [{hosts: ['*.*.com'], via: direct}] | routes[0].hosts[0]: "*.com" contains '*' (allowed: letters, digits, '-', '_' and '.') (expected: *, *.example.com or example.com)
            listen: {proxyProtocol: {}}                                  | listen.proxyProtocol.trustedFrom: is missing or empty (expected: the load balancers' source ranges, e.g. [10.0.0.0/24]; without proxyProtocol clients connect directly)
            listen: {proxyProtocol: {trustedFrom: [10.0.0.0/33]}}        | listen.proxyProtocol.trustedFrom[0]: "10.0.0.0/33" has an invalid prefix length "33" (expected 0-32 in decimal without leading zeros)
            timeouts: {parentRetry: 0s}                                  | timeouts.parentRetry: "0s" is not positive (expected: a duration above zero, e.g. 10s)
            """)
    void reportsTheDocumentedMessage(String yaml, String expected) {
        assertThat(errors(yaml.replace("\\n", "\n"), Map.of("P", "pw"))).containsExactly(expected);
    }

    @Test
    void aMissingOrEmptyPasswordFileFailsTheLoad() throws IOException {
        Files.writeString(dir.resolve("empty"), "\n");
        assertThat(errors("parents: [{name: corp, url: 'http://10.0.0.5:8080', user: edge, passwordFile: nothere}]", Map.of()))
                .singleElement().asString().startsWith("parents[0].passwordFile: " + dir.resolve("nothere") + ": ");
        assertThat(errors("parents: [{name: corp, url: 'http://10.0.0.5:8080', user: edge, passwordFile: empty}]", Map.of()))
                .containsExactly("parents[0].passwordFile: " + dir.resolve("empty") + ": is empty (expected: the parent's password)");
    }

    @Test
    void routesWithoutParentsWarnThatTheyHaveNoEffect() {
        assertThat(warnings("routes: [{hosts: ['*.privatelink.contoso.com'], via: direct}]"))
                .containsExactly("routes: no parents are configured, so every target goes direct and routes have no effect");
    }
}
