package io.acrproxy.server.soak;

import java.util.concurrent.locks.LockSupport;

/** Pacing a loop to a schedule (not waiting for a condition): parks until a {@link System#nanoTime} instant. */
final class LockSupportPacing {
    private LockSupportPacing() {
    }

    static void until(long nanoTime) {
        for (long left; (left = nanoTime - System.nanoTime()) > 0; ) {
            LockSupport.parkNanos(left);
        }
    }
}
