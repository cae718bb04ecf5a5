package io.acrproxy.server.cli;

import io.acrproxy.policy.Cloud;
import io.acrproxy.server.suggest.AccessLogSuggestion;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code suggest}: learn mode (design §6.8). Reads access logs (files, {@code -} for standard input, gzip or plain) and
 * prints a config that allows what they show, per client group, with the evidence as comments.
 */
@Command(name = "suggest", mixinStandardHelpOptions = true, description = "Propose an allowlist from access logs (a report-mode run's, typically): "
        + "print a config that allows what clients did, with counts and first/last seen (exit 0; 1 when the logs hold "
        + "no CONNECT; 2 bad input).")
final class SuggestCommand implements Callable<Integer> {
    @Option(names = "--access-log", required = true, paramLabel = "FILE",
            description = "an access log, plain or gzip; - for standard input (repeatable)")
    List<String> accessLogs;

    @Option(names = "--cloud", paramLabel = "CLOUD", defaultValue = "AzureCloud",
            description = "AzureCloud, AzureChinaCloud or AzureUSGovernment: which registry and storage names to recognise")
    String cloud;

    private final Cli cli;
    private final InputStream stdin;

    SuggestCommand(Cli cli, InputStream stdin) {
        this.cli = cli;
        this.stdin = stdin;
    }

    @Override
    public Integer call() {
        Cloud c = Cloud.fromConfigName(cloud);
        if (c == null) {
            return cli.badInput("suggest: " + cloud + " is not a cloud (expected: AzureCloud, AzureChinaCloud or AzureUSGovernment)");
        }
        List<AccessLogSuggestion.Source> sources = new ArrayList<>();
        for (String log : accessLogs) {
            sources.add(new AccessLogSuggestion.Source() {
                @Override
                public String name() {
                    return log;
                }

                @Override
                public InputStream open() throws IOException {
                    // standard input is not ours to close
                    return log.equals("-") ? new FilterInputStream(stdin) {
                        @Override
                        public void close() {
                        }
                    } : Files.newInputStream(Path.of(log));
                }
            });
        }
        AccessLogSuggestion s;
        try {
            s = AccessLogSuggestion.of(sources, c);
        } catch (NoSuchFileException e) {
            return cli.badInput("suggest: " + e.getFile() + ": no such file");
        } catch (IOException e) {
            return cli.badInput("suggest: " + e.getMessage());
        }
        cli.err().println("suggest: read " + s.lines() + " line(s): " + s.entries() + " CONNECT line(s), " + s.skipped()
                + " skipped (not access-log JSON)");
        if (s.yaml() == null) {
            cli.err().println("suggest: " + (s.lines() == 0 ? "the access log is empty" : "no CONNECT in the access log")
                    + ": nothing to propose");
            cli.err().flush();
            return Cli.EXIT_DENIED;
        }
        cli.err().flush();
        cli.out().print(s.yaml());
        cli.out().flush();
        return Cli.EXIT_OK;
    }
}
