package io.acrproxy.server.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code run --config FILE}: a placeholder until the data plane exists (issue #3). It loads and
 * validates everything a running proxy would, prints the effective policy, and exits with
 * {@link #EXIT_NOT_IMPLEMENTED} so that no one mistakes it for a serving proxy.
 */
@Command(name = "run", description = "Run the proxy (not yet: validates the configuration and prints the policy, exit 3).")
final class RunCommand implements Callable<Integer> {
    static final int EXIT_NOT_IMPLEMENTED = 3;

    @Option(names = "--config", paramLabel = "FILE", defaultValue = "config/acr-egress-proxy.yaml",
            description = "configuration file (default: ${DEFAULT-VALUE})")
    Path config;

    private final Cli cli;

    RunCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() {
        EffectivePolicy loaded = cli.loadOrReport(config);
        if (loaded == null) {
            return Cli.EXIT_BAD_INPUT;
        }
        CheckConfigCommand.printSummary(loaded, cli.out());
        cli.err().println("run: the data plane (serving CONNECT) is not built yet; this build only checks the configuration. Exit "
                + EXIT_NOT_IMPLEMENTED + ".");
        cli.err().flush();
        return EXIT_NOT_IMPLEMENTED;
    }
}
