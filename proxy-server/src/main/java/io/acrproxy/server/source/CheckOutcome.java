package io.acrproxy.server.source;

import io.acrproxy.policy.servicetag.ServiceTagsFile;
import java.util.Objects;

/**
 * What one check of a service-tags source found. A source reports what it read; whether that is a change is
 * decided by {@link RefreshStateMachine}, which remembers what was last delivered.
 */
public sealed interface CheckOutcome {

    /** A complete document was read and parsed. */
    record Fetched(ServiceTagsFile file) implements CheckOutcome {
        public Fetched {
            Objects.requireNonNull(file, "file");
        }
    }

    /** The source says its content is the one already held (an HTTP 304, RFC 9110 §15.4.5): a successful check. */
    record NotModified() implements CheckOutcome {
    }

    /** The check failed; the last good data stays in force. */
    record Failed(String reason) implements CheckOutcome {
        public Failed {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
