package io.acrproxy.server.source;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the policy's files (config, endpoint files, a service-tags file) and calls back once their
 * content has changed, after a quiet period that folds bursts of events (editors write a file in several
 * steps) into one reload (design §6.6).
 *
 * <p>It watches the files' directories, not the files: a Kubernetes ConfigMap volume replaces its content by
 * swapping the {@code ..data} symlink, so the file's own path never sees an event, while its directory does.
 * Any event in a watched directory therefore only triggers a comparison of the files' contents (through
 * their symlinks), and the callback runs only when that fingerprint differs from the last one.
 */
public final class SourceWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SourceWatcher.class);

    private final WatchService watcher;
    private final Duration quietPeriod;
    private final Runnable onChange;
    private final ScheduledExecutorService scheduler;
    private final Map<WatchKey, Path> keys = new HashMap<>();
    private final Thread loop;
    private volatile List<Path> files;
    private volatile String fingerprint;
    private ScheduledFuture<?> pending;

    /**
     * @param files       the files to follow (absolute)
     * @param quietPeriod how long no event must arrive before the files are compared
     * @param onChange    called on the watcher's own thread when the files' content changed
     */
    public SourceWatcher(List<Path> files, Duration quietPeriod, Runnable onChange) throws IOException {
        this.watcher = FileSystems.getDefault().newWatchService();
        this.quietPeriod = quietPeriod;
        this.onChange = onChange;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "source-watcher-debounce");
            t.setDaemon(true);
            return t;
        });
        watch(files);
        this.loop = new Thread(this::run, "source-watcher");
        loop.setDaemon(true);
        loop.start();
    }

    /** Follows another set of files (after a reload changed {@code endpointFiles}), keeping the fingerprint. */
    public synchronized void watch(List<Path> newFiles) throws IOException {
        Set<Path> dirs = new LinkedHashSet<>();
        for (Path f : newFiles) {
            dirs.add(f.toAbsolutePath().getParent());
        }
        for (Path dir : dirs) {
            if (!keys.containsValue(dir) && Files.isDirectory(dir)) {
                keys.put(dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                        StandardWatchEventKinds.ENTRY_DELETE), dir);
            }
        }
        files = List.copyOf(newFiles);
        if (fingerprint == null) {
            fingerprint = fingerprint(files);
        }
    }

    /**
     * Takes the files as they are now as the state already loaded, so that a reload done by someone else (the
     * service-tags refresher writing its cache, then reloading) is not repeated when the watcher sees the write.
     */
    public void markCurrent() {
        fingerprint = fingerprint(files);
    }

    private void run() {
        try {
            while (true) {
                WatchKey key = watcher.take();
                key.pollEvents(); // the events only say "look again"; the contents decide
                key.reset();
                schedule();
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // closed: stop watching
        }
    }

    private synchronized void schedule() {
        if (pending != null) {
            pending.cancel(false);
        }
        pending = scheduler.schedule(this::compare, quietPeriod.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void compare() {
        String now = fingerprint(files);
        if (!now.equals(fingerprint)) {
            fingerprint = now;
            LOG.info("policy sources changed on disk; reloading");
            try {
                onChange.run();
            } catch (RuntimeException e) {
                LOG.warn("reload after a file change failed", e);
            }
        }
    }

    /** A hash of every file's content as reached through its symlinks; a missing file counts as such. */
    static String fingerprint(List<Path> files) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Path f : files) {
                sha.update(f.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                try {
                    sha.update(Files.readAllBytes(f));
                } catch (IOException e) {
                    sha.update((byte) 0xff); // missing or unreadable: the reload will say why
                }
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }

    @Override
    public void close() throws IOException {
        watcher.close();
        scheduler.shutdownNow();
        loop.interrupt();
    }
}
