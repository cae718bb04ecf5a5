package io.acrproxy.server.config;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

/** Says what went wrong with a file in words, not exception class names; the path is the caller's to add. */
public final class IoProblems {
    private IoProblems() {
    }

    public static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "does not exist";
        }
        if (e instanceof AccessDeniedException) {
            return "cannot be read (permission denied)";
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
