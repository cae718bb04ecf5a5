package io.acrproxy.server.cli;

import io.acrproxy.core.auth.PasswordHash;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code hash-password}: reads a password (prompting twice on a terminal, else the first line of standard
 * input) and prints the hash to put in {@code auth.users[].passwordHash}. The password never appears on
 * the command line, where {@code ps} and shell history would keep it.
 */
@Command(name = "hash-password", mixinStandardHelpOptions = true, description = "Read a password from standard input (or prompt on a terminal) and print its hash for auth.users.")
final class HashPasswordCommand implements Callable<Integer> {

    private final Cli cli;
    private final InputStream stdin;
    private final Console console;

    HashPasswordCommand(Cli cli, InputStream stdin, Console console) {
        this.cli = cli;
        this.stdin = stdin;
        this.console = console;
    }

    @Override
    public Integer call() throws IOException {
        char[] password = console != null ? prompt() : readLine();
        if (password == null) {
            return Cli.EXIT_BAD_INPUT;
        }
        try {
            if (password.length == 0) {
                return cli.badInput("hash-password: the password is empty");
            }
            cli.out().println(new PasswordHash().hash(password));
            cli.out().flush();
            return Cli.EXIT_OK;
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private char[] prompt() {
        char[] first = console.readPassword("Password: ");
        char[] second = console.readPassword("Repeat password: ");
        if (first == null || second == null || !Arrays.equals(first, second)) {
            cli.badInput("hash-password: the passwords do not match");
            return null;
        }
        Arrays.fill(second, '\0');
        return first;
    }

    private char[] readLine() throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
        String line = reader.readLine();
        if (line == null) {
            cli.badInput("hash-password: no password on standard input");
            return null;
        }
        return line.toCharArray();
    }
}
