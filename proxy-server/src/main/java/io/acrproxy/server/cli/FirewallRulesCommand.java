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
@Command(name = "firewall-rules", description = "Print the FQDNs and IP prefixes the proxy host itself must be allowed to reach.")
final class FirewallRulesCommand implements Callable<Integer> {

    enum Format { text, json, nsg }

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "configuration file")
    Path config;

    @Option(names = "--format", defaultValue = "text", paramLabel = "FORMAT",
            description = "text, json, or nsg (Azure NSG outbound security rules using service tags; FQDNs cannot be expressed there)")
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
            case nsg -> cli.printJson(nsg(rules));
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

    /** Outbound rules in the shape of an ARM {@code securityRules} array, one per selected service tag. */
    private static ObjectNode nsg(FirewallRules rules) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode root = f.objectNode();
        ArrayNode securityRules = root.putArray("securityRules");
        int priority = 100;
        for (String tag : rules.tags()) {
            ObjectNode rule = securityRules.addObject();
            rule.put("name", "acr-egress-proxy-" + tag.replace('.', '-'));
            ObjectNode props = rule.putObject("properties");
            props.put("direction", "Outbound").put("access", "Allow").put("protocol", "Tcp").put("priority", priority++)
                    .put("sourceAddressPrefix", "VirtualNetwork").put("sourcePortRange", "*")
                    .put("destinationAddressPrefix", tag);
            rules.ports().forEach(p -> props.withArray("destinationPortRanges").add(String.valueOf(p)));
        }
        ArrayNode notes = root.putArray("notes");
        if (rules.tags().isEmpty()) {
            notes.add("no service tags are configured: an NSG cannot allow FQDNs; use the text or json format with a firewall that filters by name");
        }
        rules.notes().forEach(notes::add);
        return root;
    }
}
