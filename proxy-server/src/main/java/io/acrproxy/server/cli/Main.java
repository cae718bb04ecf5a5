package io.acrproxy.server.cli;

import java.io.Console;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The executable jar's entry point: {@code run} (the default), {@code check-config}, {@code explain}, ... */
@Command(name = "acr-egress-proxy", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Forward HTTPS CONNECT proxy that only reaches your own Azure Container Registries.")
public final class Main implements Runnable {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(execute(new ConfigPolicyLoader(), System.in, System.console(),
                new PrintWriter(System.out, true, StandardCharsets.UTF_8),
                new PrintWriter(System.err, true, StandardCharsets.UTF_8), args));
    }

    /** Runs the command line with the given loader and streams; returns the exit code. */
    static int execute(PolicyLoader loader, InputStream in, Console console, PrintWriter out, PrintWriter err, String... args) {
        Cli cli = new Cli(loader, out, err);
        CommandLine cmd = new CommandLine(new Main())
                .addSubcommand(new RunCommand(cli))
                .addSubcommand(new CheckConfigCommand(cli))
                .addSubcommand(new ExplainCommand(cli))
                .addSubcommand(new FirewallRulesCommand(cli))
                .addSubcommand(new SuggestCommand(cli, in))
                .addSubcommand(new HashPasswordCommand(cli, in, console))
                .addSubcommand("help", new CommandLine.HelpCommand())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setOut(out)
                .setErr(err);
        // design §10: run is the default command, so `java -jar acr-egress-proxy.jar --config F` serves.
        if (args.length == 0 || args[0].startsWith("--config")) {
            String[] withRun = new String[args.length + 1];
            withRun[0] = "run";
            System.arraycopy(args, 0, withRun, 1, args.length);
            args = withRun;
        }
        return cmd.execute(args);
    }

    @Override
    public void run() {
        // Never reached: execute() always dispatches to a subcommand.
    }

    /** Version from the jar manifest (Implementation-Version), or "dev" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"acr-egress-proxy " + (v != null ? v : "dev")};
        }
    }
}
