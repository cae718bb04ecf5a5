package io.acrproxy.server.admin;

import io.acrproxy.policy.PolicySpec;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the admin endpoints know beyond the policy itself: where it came from, its warnings, and how to
 * reload it. {@link #reload()} is serialised: two operators pressing reload at once get two reloads in turn.
 */
public final class AdminState {
    /** Loads the configuration and every file it names into a policy spec; throws with every error. */
    @FunctionalInterface
    public interface Reloader {
        Loaded load() throws ReloadException;
    }

    /** A freshly loaded configuration. */
    public record Loaded(PolicySpec spec, List<String> warnings, Map<String, List<InetAddress>> resolverHosts) {
    }

    /** The load failed; {@code errors} are the config loader's lines. */
    public static final class ReloadException extends Exception {
        private static final long serialVersionUID = 1L;
        private final List<String> errors;

        public ReloadException(List<String> errors) {
            super(String.join("\n", errors));
            this.errors = List.copyOf(errors);
        }

        public List<String> errors() {
            return errors;
        }
    }

    /** How a reload went. */
    public record ReloadOutcome(boolean success, List<String> errors, Instant at) {
    }

    /** Installs a spec as the policy in force; throws (leaving the old one) when it does not compile. */
    @FunctionalInterface
    public interface Installer {
        void install(PolicySpec spec);
    }

    private final Path configFile;
    private final Reloader reloader;
    private final Installer installer;
    private final Clock clock;
    private volatile List<String> warnings;
    private volatile Map<String, List<InetAddress>> resolverHosts;
    private volatile Instant loadedAt;
    private volatile ReloadOutcome lastReload;
    private volatile Runnable beforeReload = () -> { };

    public AdminState(Path configFile, Loaded initial, Reloader reloader, Installer installer, Clock clock) {
        this.configFile = configFile;
        this.reloader = reloader;
        this.installer = installer;
        this.clock = clock;
        this.warnings = List.copyOf(initial.warnings());
        this.resolverHosts = Map.copyOf(initial.resolverHosts());
        this.loadedAt = clock.instant();
    }

    /**
     * Loads and installs the configuration again. Any failure leaves the policy in force unchanged (design §6.6:
     * never fail open). Settings outside the policy (listen, admin, transport, resolver.hosts, limits) take
     * effect at the next start.
     */
    public ReloadOutcome reload() {
        // Outside the lock: a URL refresh that finds new tags reloads through this object from its own thread.
        beforeReload.run();
        return reloadSources();
    }

    /** Runs before every reload; the application sets it to fetch a URL service-tags source now. */
    public void beforeReload(Runnable action) {
        this.beforeReload = action;
    }

    /** Reloads from the sources as they are on disk (config, endpoint files, a service-tags file or cache). */
    public synchronized ReloadOutcome reloadSources() {
        ReloadOutcome outcome;
        try {
            Loaded loaded = reloader.load();
            installer.install(loaded.spec());
            warnings = List.copyOf(loaded.warnings());
            loadedAt = clock.instant();
            outcome = new ReloadOutcome(true, List.of(), loadedAt);
        } catch (ReloadException e) {
            outcome = new ReloadOutcome(false, e.errors(), clock.instant());
        } catch (IllegalArgumentException e) {
            outcome = new ReloadOutcome(false, List.of(e.getMessage()), clock.instant());
        }
        lastReload = outcome;
        return outcome;
    }

    public Path configFile() {
        return configFile;
    }

    public List<String> warnings() {
        return warnings;
    }

    public Map<String, List<InetAddress>> resolverHosts() {
        return resolverHosts;
    }

    public Instant loadedAt() {
        return loadedAt;
    }

    /** The last reload's outcome, or {@code null} when there was none. */
    public ReloadOutcome lastReload() {
        return lastReload;
    }

    public Clock clock() {
        return clock;
    }
}
