package io.acrproxy.server.source;

import io.acrproxy.policy.servicetag.ServiceTagsParser;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A local {@code serviceTags.source} re-read on the refresher's schedule. Every read is a full parse; whether it
 * is a change is decided by content ({@link RefreshStateMachine}), so a file touched without edits is no change.
 */
public final class FileServiceTagsCheck implements ServiceTagsCheck {
    private final Path file;

    public FileServiceTagsCheck(Path file) {
        this.file = Objects.requireNonNull(file, "file");
    }

    @Override
    public CheckOutcome check() {
        try {
            return new CheckOutcome.Fetched(ServiceTagsParser.parse(file));
        } catch (NoSuchFileException e) {
            return new CheckOutcome.Failed(file + ": does not exist");
        } catch (IOException e) {
            // The parser's format errors already start with the file name.
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return new CheckOutcome.Failed(message.startsWith(file.toString()) ? message : file + ": " + message);
        }
    }
}
