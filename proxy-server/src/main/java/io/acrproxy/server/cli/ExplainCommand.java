package io.acrproxy.server.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.acrproxy.policy.Decision;
import io.acrproxy.policy.Policy;
import io.acrproxy.policy.Verdict;
import io.acrproxy.policy.host.Authority;
import io.acrproxy.policy.host.InvalidHostException;
import io.acrproxy.policy.net.IpAddresses;
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
@Command(name = "explain", description = "Show the policy decision for HOST[:PORT] and why (exit 0 allowed, 1 denied, 2 bad input).")
final class ExplainCommand implements Callable<Integer> {

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "configuration file")
    Path config;

    @Parameters(index = "0", paramLabel = "HOST[:PORT]", description = "CONNECT target; port 443 when omitted")
    String target;

    @Option(names = "--sni", paramLabel = "NAME", description = "server name the TLS ClientHello would carry")
    String sni;

    @Option(names = "--client", paramLabel = "IP", description = "client source address to check against clients.allow")
    String client;

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
            authority = Authority.parse(withDefaultPort(target));
            if (client != null) {
                clientAddress = IpAddresses.parse(client);
            }
            for (String a : addresses) {
                checkAddresses.add(IpAddresses.parse(a));
            }
        } catch (InvalidHostException e) {
            return cli.badInput("explain: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            return cli.badInput("explain: " + e.getMessage());
        }
        EffectivePolicy loaded = cli.loadOrReport(config);
        if (loaded == null) {
            return Cli.EXIT_BAD_INPUT;
        }
        Policy policy = loaded.policy();
        if (checkAddresses.isEmpty() && !authority.isIpLiteral()) {
            checkAddresses.addAll(loaded.resolverHosts().getOrDefault(authority.host().text(), List.of()));
        }

        List<Stage> stages = new ArrayList<>();
        if (clientAddress != null) {
            stages.add(new Stage("client", clientAddress.getHostAddress(), policy.decideClient(clientAddress)));
        }
        stages.add(new Stage("target", authority.toString(), policy.decide(authority)));
        if (sni != null || authority.isIpLiteral()) {
            stages.add(new Stage("sni", sni, policy.decideSni(authority, sni)));
        }
        for (InetAddress address : checkAddresses) {
            stages.add(new Stage("address", address.getHostAddress(), policy.decideResolved(authority, address)));
        }
        Stage deciding = deciding(stages);

        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode out = f.objectNode();
        out.put("target", authority.toString());
        out.put("verdict", deciding.decision().verdict().code());
        out.put("reason", deciding.decision().reason().code());
        out.put("rule", deciding.decision().rule());
        out.put("message", deciding.decision().message());
        out.put("stage", deciding.name());
        ArrayNode stageArray = out.putArray("stages");
        for (Stage s : stages) {
            ObjectNode n = stageArray.addObject();
            n.put("stage", s.name());
            n.put("input", s.input());
            n.put("verdict", s.decision().verdict().code());
            n.put("reason", s.decision().reason().code());
            n.put("rule", s.decision().rule());
            n.put("message", s.decision().message());
        }
        if (checkAddresses.isEmpty() && !authority.isIpLiteral()) {
            out.put("resolution", "not resolved: explain does not query DNS; pass --address or add the name to resolver.hosts");
        }
        out.put("mode", policy.mode().code());
        out.put("policyVersion", policy.version());
        cli.printJson(out);
        return deciding.decision().allowed() ? 0 : 1;
    }

    /** The first stage that denies, else the first that would deny, else the target stage. */
    private static Stage deciding(List<Stage> stages) {
        for (Verdict v : List.of(Verdict.DENY, Verdict.WOULD_DENY)) {
            for (Stage s : stages) {
                if (s.decision().verdict() == v) {
                    return s;
                }
            }
        }
        return stages.stream().filter(s -> s.name().equals("target")).findFirst().orElseThrow();
    }

    /** {@code host} → {@code host:443}; {@code 2001:db8::1} → {@code [2001:db8::1]:443}. */
    static String withDefaultPort(String target) {
        if (target.startsWith("[")) {
            return target.endsWith("]") ? target + ":443" : target;
        }
        int colons = (int) target.chars().filter(c -> c == ':').count();
        if (colons == 0) {
            return target + ":443";
        }
        if (colons > 1 && IpAddresses.parseIpv6(target) != null) {
            return "[" + target + "]:443";
        }
        return target;
    }

    private record Stage(String name, String input, Decision decision) {
    }
}
