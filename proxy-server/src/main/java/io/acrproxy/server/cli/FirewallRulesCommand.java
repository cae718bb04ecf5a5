package io.acrproxy.server.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code firewall-rules}: the FQDNs and IP prefixes the proxy host itself must reach. */
@Command(name = "firewall-rules", mixinStandardHelpOptions = true, description = "Print the FQDNs and IP prefixes the proxy host itself must be allowed to reach.")
final class FirewallRulesCommand implements Callable<Integer> {

    enum Format { text, json, nsg }

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "configuration file")
    Path config;

    @Option(names = "--format", defaultValue = "text", paramLabel = "FORMAT",
            description = "text, json, or nsg (az network nsg rule create lines, one per service tag; FQDNs cannot be expressed there)")
    Format format;

    private final Cli cli;

    FirewallRulesCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() {
        EffectivePolicy loaded = cli.loadOrReport(config);
        if (loaded == null) {
            return Cli.EXIT_BAD_INPUT;
        }
        FirewallRules rules = FirewallRules.of(loaded);
        switch (format) {
            case text -> printText(rules, cli.out());
            case json -> cli.printJson(json(rules));
            case nsg -> printNsg(rules, cli.out());
        }
        return Cli.EXIT_OK;
    }

    private static void printText(FirewallRules rules, PrintWriter out) {
        String ports = rules.ports().stream().map(String::valueOf).collect(Collectors.joining(","));
        out.println("# destinations the proxy host must reach on TCP " + ports);
        int width = rules.fqdns().stream().mapToInt(f -> f.fqdn().length()).max().orElse(0);
        for (FirewallRules.Fqdn f : rules.fqdns()) {
            out.printf("%-" + width + "s  # %s%n", f.fqdn(), f.rule());
        }
        if (!rules.prefixes().isEmpty()) {
            out.println("# IP prefixes of service tags " + String.join(", ", rules.tags()));
            rules.prefixes().forEach(out::println);
        }
        rules.notes().forEach(n -> out.println("# note: " + n));
        out.flush();
    }

    private static ObjectNode json(FirewallRules rules) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode root = f.objectNode();
        rules.ports().forEach(root.putArray("ports")::add);
        ArrayNode fqdns = root.putArray("fqdns");
        for (FirewallRules.Fqdn fqdn : rules.fqdns()) {
            fqdns.addObject().put("fqdn", fqdn.fqdn()).put("rule", fqdn.rule());
        }
        rules.tags().forEach(root.putArray("serviceTags")::add);
        rules.prefixes().forEach(root.putArray("ipPrefixes")::add);
        rules.notes().forEach(root.putArray("notes")::add);
        return root;
    }

    /**
     * Ready-to-paste {@code az network nsg rule create} lines, one outbound rule per selected service tag (an
     * NSG takes service tags directly but cannot filter by name, so FQDNs appear only as comments).
     */
    private static void printNsg(FirewallRules rules, PrintWriter out) {
        String ports = rules.ports().stream().map(String::valueOf).collect(Collectors.joining(" "));
        out.println("# Outbound NSG rules for the proxy host's subnet. Set RESOURCE_GROUP and NSG_NAME first.");
        if (rules.tags().isEmpty()) {
            out.println("# no service tags are configured: an NSG cannot allow FQDNs; use --format text or json with a firewall");
            out.println("# that filters by name (e.g. Azure Firewall application rules) for:");
            rules.fqdns().forEach(f -> out.println("#   " + f.fqdn()));
        }
        int priority = 100;
        for (String tag : rules.tags()) {
            out.println("az network nsg rule create --resource-group \"$RESOURCE_GROUP\" --nsg-name \"$NSG_NAME\""
                    + " --name acr-egress-proxy-" + tag.replace('.', '-') + " --priority " + priority++
                    + " --direction Outbound --access Allow --protocol Tcp --destination-address-prefixes " + tag
                    + " --destination-port-ranges " + ports);
        }
        rules.notes().forEach(n -> out.println("# note: " + n));
        out.flush();
    }
}
