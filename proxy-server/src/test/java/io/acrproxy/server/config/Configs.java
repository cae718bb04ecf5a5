package io.acrproxy.server.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;

/** Test helpers: load config text, collect its error lines. */
final class Configs {
    /** Relative paths in test configs resolve here; nothing is read from it. */
    static final Path BASE = Path.of("/etc/acr-egress-proxy");

    /** Well formed (a zero salt and hash), so it passes validation; it matches no password anyone would type. */
    static final String HASH = "pbkdf2-sha256$210000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    private Configs() {
    }

    static LoadedConfig load(String yaml) throws ConfigException {
        return ConfigLoader.load(yaml, BASE);
    }

    static ProxyConfig config(String yaml) throws ConfigException {
        return load(yaml).config();
    }

    /** The error lines of a config that must fail. */
    static List<String> errors(String yaml) {
        ConfigException e = (ConfigException) catchConfigException(() -> ConfigLoader.load(yaml, BASE));
        return e.errors().stream().map(ConfigError::toString).toList();
    }

    /** The error lines of a config whose sources must fail to load. */
    static List<String> policyErrors(String yaml, Path base) {
        ConfigException e = (ConfigException) catchConfigException(() -> PolicySpecs.load(yaml, base));
        return e.errors().stream().map(ConfigError::toString).toList();
    }

    private static Throwable catchConfigException(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        Throwable[] caught = new Throwable[1];
        assertThatThrownBy(call).isInstanceOf(ConfigException.class).satisfies(t -> caught[0] = t);
        return caught[0];
    }

    static Path repositoryRoot() {
        return io.acrproxy.server.RepositoryRoot.find();
    }
}
