package io.acrproxy.core.accept;

import io.acrproxy.policy.DurationText;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits on a listening channel and turns accept failures into a pause, a counter and a rate-limited log line.
 *
 * <p>When the process runs out of file descriptors ({@code EMFILE}/{@code ENFILE}) the kernel keeps the
 * pending connection in the backlog, so the listening socket stays readable and an accept loop that simply
 * retries burns a core and floods the log. Netty's {@code ServerBootstrapAcceptor} already pauses for a second,
 * but then logs a stack trace through the pipeline's tail every second. This handler comes before it, consumes
 * the exception, stops reading for {@code pause}, and tells the {@link Reporter}, which counts every failure and
 * logs at most one line per interval for all listening channels together. Pending connections are not lost:
 * they wait in the backlog and are accepted once descriptors are free again.
 *
 * <p>One instance per listening channel; it runs on that channel's event loop.
 */
public final class AcceptErrorHandler extends ChannelInboundHandlerAdapter {
    private final Reporter reporter;
    private final Duration pause;

    public AcceptErrorHandler(Reporter reporter, Duration pause) {
        this.reporter = reporter;
        this.pause = pause;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        reporter.failed(cause, pause);
        if (ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(false);
            ctx.channel().eventLoop().schedule(() -> {
                if (ctx.channel().isOpen()) {
                    ctx.channel().config().setAutoRead(true);
                }
            }, pause.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** Counts accept failures and logs them at most once per interval; shared by all listening channels. */
    public static final class Reporter {
        private static final Logger LOG = LoggerFactory.getLogger(AcceptErrorHandler.class);

        private final Runnable countFailure;
        private final Consumer<String> warn;
        private final long logIntervalNanos;
        private final LongSupplier nanoClock;
        private boolean loggedOnce;
        private long lastLogNanos;
        private long suppressed;

        /** Logs through {@link AcceptErrorHandler}'s logger. */
        public Reporter(Runnable countFailure, Duration logInterval, LongSupplier nanoClock) {
            this(countFailure, LOG::warn, logInterval, nanoClock);
        }

        /**
         * @param countFailure called once per failed accept (the metric)
         * @param warn         where the rate-limited warning lines go
         * @param logInterval  at most one log line per this interval
         * @param nanoClock    monotonic time, {@code System::nanoTime} outside tests
         */
        Reporter(Runnable countFailure, Consumer<String> warn, Duration logInterval, LongSupplier nanoClock) {
            this.countFailure = countFailure;
            this.warn = warn;
            this.logIntervalNanos = logInterval.toNanos();
            this.nanoClock = nanoClock;
        }

        void failed(Throwable cause, Duration pause) {
            countFailure.run();
            String line;
            synchronized (this) { // listening channels on different event loops may fail at once
                long now = nanoClock.getAsLong();
                if (loggedOnce && now - lastLogNanos < logIntervalNanos) {
                    suppressed++;
                    return;
                }
                line = "cannot accept client connections: " + cause + " (" + suppressed + " more failure(s) since the "
                        + "last report); pausing accepts for " + DurationText.of(pause) + "; raise the open-file limit "
                        + "(ulimit -n, LimitNOFILE) or lower limits.maxConnections";
                loggedOnce = true;
                lastLogNanos = now;
                suppressed = 0;
            }
            // The message alone: a stack trace of the accept loop says nothing an operator can act on.
            warn.accept(line);
        }
    }
}
