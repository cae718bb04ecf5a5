package io.acrproxy.server.cli;

import io.acrproxy.policy.host.Authority;
import io.acrproxy.policy.net.IpAddresses;
import io.acrproxy.server.admin.Explainer;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code explain}: runs one target through every stage the policy decides (client, target, SNI, resolved
 * addresses) and prints one JSON object. Exit 0 when allowed, 1 when denied (also when report mode only
 * would deny: explain is how operators test an allowlist before enforcing it), 2 on bad input.
 *
 * <p>It never queries DNS, so its answer does not depend on where it runs: addresses come from
 * {@code resolver.hosts} or from {@code --address}.
 */
@Command(name = "explain", mixinStandardHelpOptions = true, description = "Show the policy decision for HOST[:PORT] and why (exit 0 allowed, 1 denied, 2 bad input).")
final class ExplainCommand implements Callable<Integer> {

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "configuration file")
    Path config;

    @Parameters(index = "0", paramLabel = "HOST[:PORT]", description = "CONNECT target; port 443 when omitted")
    String target;

    @Option(names = "--sni", paramLabel = "NAME", description = "server name the TLS ClientHello would carry")
    String sni;

    @Option(names = "--client", paramLabel = "IP", description = "client source address to check against clients.allow; "
            + "with --user it picks the client group")
    String client;

    @Option(names = "--user", paramLabel = "NAME", description = "authenticated proxy user: picks the client group of "
            + "clientGroups[].users")
    String user;

    @Option(names = "--certificate", paramLabel = "NAME", description = "identity of a client certificate on the TLS port "
            + "(its first DNS name, else its CN): picks the client group of clientGroups[].certificates")
    String certificate;

    @Option(names = "--address", paramLabel = "IP", description = "a resolved address to check (repeatable); default: resolver.hosts overrides")
    List<String> addresses = new ArrayList<>();

    private final Cli cli;

    ExplainCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() {
        Authority authority;
        InetAddress clientAddress = null;
        List<InetAddress> checkAddresses = new ArrayList<>();
        try {
            authority = Authority.parse(Explainer.withDefaultPort(target));
            if (client != null) {
                clientAddress = IpAddresses.parse(client);
            }
            for (String a : addresses) {
                checkAddresses.add(IpAddresses.parse(a));
            }
        } catch (IllegalArgumentException e) { // InvalidHostException too
            return cli.badInput("explain: " + e.getMessage());
        }
        EffectivePolicy loaded = cli.loadOrReport(config);
        if (loaded == null) {
            return Cli.EXIT_BAD_INPUT;
        }
        Explainer.Explanation explanation = Explainer.explain(loaded.policy(), authority, sni, clientAddress, user,
                certificate, checkAddresses,
                loaded.resolverHosts(), loaded.config().routing());
        cli.printJson(explanation.json());
        return explanation.allowed() ? Cli.EXIT_OK : Cli.EXIT_DENIED;
    }
}
