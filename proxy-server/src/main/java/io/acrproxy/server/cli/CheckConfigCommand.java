package io.acrproxy.server.cli;

import io.acrproxy.policy.Policy;
import io.acrproxy.policy.host.HostMatcher.AllowedHost;
import io.acrproxy.policy.net.AddressClassifier;
import io.acrproxy.policy.net.Cidr;
import io.acrproxy.policy.route.Routes;
import io.acrproxy.policy.servicetag.ServiceTagSelection;
import io.acrproxy.server.config.ProxyConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code check-config FILE}: exit 0 and a summary of the effective rules, or exit 2 and every error. */
@Command(name = "check-config", mixinStandardHelpOptions = true, description = "Validate a configuration: print the effective rules and warnings (exit 0), or every error (exit 2).")
final class CheckConfigCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "configuration file")
    Path file;

    /** The other commands take {@code --config FILE}; typed here by habit, it means the same. */
    @Option(names = "--config", paramLabel = "FILE", description = "configuration file (instead of FILE)")
    Path configOption;

    private final Cli cli;

    CheckConfigCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() {
        if (file == null && configOption == null) {
            return cli.badInput("check-config: which configuration file? (expected: check-config FILE, or --config FILE)");
        }
        if (file != null && configOption != null && !file.equals(configOption)) {
            return cli.badInput("check-config: two configuration files, " + file + " and --config " + configOption
                    + " (expected: one)");
        }
        Path config = file != null ? file : configOption;
        EffectivePolicy loaded = cli.loadOrReport(config);
        if (loaded == null) {
            return Cli.EXIT_BAD_INPUT;
        }
        printSummary(loaded, cli.out());
        return Cli.EXIT_OK;
    }

    private static String selection(io.acrproxy.policy.ClientGroupSpec g) {
        List<String> parts = new java.util.ArrayList<>();
        if (!g.clients().isEmpty()) {
            parts.add("clients " + String.join(", ", g.clients().stream().map(Cidr::toString).toList()));
        }
        if (!g.users().isEmpty()) {
            parts.add("users " + String.join(", ", new TreeSet<>(g.users())));
        }
        if (!g.certificates().isEmpty()) {
            parts.add("certificates " + String.join(", ", new TreeSet<>(g.certificates())));
        }
        return String.join("; ", parts);
    }

    static void printSummary(EffectivePolicy loaded, PrintWriter out) {
        Policy p = loaded.policy();
        var spec = p.spec();
        out.println("configuration " + loaded.configFile() + " is valid");
        out.println("policy version " + p.version() + ": mode " + p.mode().code() + ", cloud " + spec.cloud()
                + ", blob storage " + spec.blobStorage().mode().code());
        out.println("allowed hosts on ports " + new TreeSet<>(spec.ports()) + ":");
        int width = p.allowedHosts().stream().mapToInt(h -> h.pattern().length()).max().orElse(0);
        for (AllowedHost h : p.allowedHosts()) {
            out.printf("  %-" + width + "s  %s%n", h.pattern(), h.rule());
        }
        if (p.allowedHosts().isEmpty()) {
            out.println("  (none)");
        }
        for (io.acrproxy.policy.GroupPolicy g : p.groups()) {
            var group = g.group();
            out.println("client group " + g.name() + " (" + selection(group) + "): allowlist " + group.allowlist().code()
                    + ", mode " + g.mode().code() + ", ports " + g.ports() + ":");
            int w = g.allowedHosts().stream().mapToInt(h -> h.pattern().length()).max().orElse(0);
            for (AllowedHost h : g.allowedHosts()) {
                out.printf("  %-" + w + "s  %s%n", h.pattern(), h.rule());
            }
            if (g.allowedHosts().isEmpty()) {
                out.println("  (none)");
            }
        }
        if (!p.groups().isEmpty()) {
            out.println("clients in no group: the allowed hosts above the groups (group default)");
        }
        p.shadowedClients().forEach(s -> out.println("note: " + s.prefix() + " of group " + s.group() + " lies inside "
                + s.earlierPrefix() + " of group " + s.earlierGroup() + ", which comes first"));
        ServiceTagSelection tags = p.serviceTags();
        if (tags == null) {
            out.println("service tags: none");
        } else {
            out.println("service tags: " + tags.names() + " from change " + tags.changeNumber() + " (" + tags.cloud() + "), "
                    + tags.prefixes().size() + " prefixes; IP literals " + (spec.serviceTags().allowIpLiterals() ? "allowed" : "denied")
                    + ", resolved addresses " + (spec.serviceTags().verifyResolved() ? "verified" : "not verified"));
        }
        out.println("destinations denied: " + AddressClassifier.prohibitedRanges(spec.destinations()).stream()
                .map(r -> r.range() + " (" + r.description() + ")").collect(Collectors.joining(", ")));
        out.println("  also an IPv6 address whose embedded IPv4 address is in one of them: "
                + String.join(", ", AddressClassifier.IPV4_CARRIERS));
        out.println("  and the proxy's own listening sockets; private ranges "
                + (spec.destinations().allowPrivate() ? "allowed" : "denied"));
        out.println("SNI " + (spec.sniRequired() ? "required" : "optional") + " and must match the CONNECT host");
        printRoutes(loaded.config(), out);
        if (loaded.warnings().isEmpty()) {
            out.println("warnings: none");
        } else {
            out.println("warnings:");
            loaded.warnings().forEach(w -> out.println("  - " + w));
        }
        out.flush();
    }

    /** Where allowed targets go (design §2.3): directly, or through which parent proxies. */
    static void printRoutes(ProxyConfig config, PrintWriter out) {
        Routes routes = config.routing();
        if (!routes.hasParents()) {
            out.println("routes: every allowed target is reached directly (no parents)");
            return;
        }
        out.println("parent proxies, tried in this order:");
        for (ProxyConfig.Parent p : config.parents()) {
            out.println("  " + p.name() + "  " + routes.parents().stream().filter(r -> r.name().equals(p.name()))
                    .findFirst().orElseThrow().url() + (p.user() == null ? "" : "  (user " + p.user() + ", password ***)"));
        }
        out.println("routes, the first that matches wins:");
        for (Routes.Rule r : routes.rules()) {
            out.println("  " + String.join(", ", r.patterns()) + "  ->  " + (r.via() == null ? "direct"
                    : String.join(", ", r.via().stream().map(p -> p.name()).toList())));
        }
        out.println("  any other target  ->  " + String.join(", ", routes.parents().stream().map(p -> p.name()).toList())
                + " (never direct)");
    }
}
