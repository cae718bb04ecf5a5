package io.acrproxy.server.suggest;

import io.acrproxy.policy.Cloud;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * {@code suggest} (design §6.8): reads access logs and proposes the config that allows what they show.
 *
 * @param yaml    the proposal, a config file; {@code null} when no line was a CONNECT
 * @param lines   lines read
 * @param skipped lines that were not access-log JSON
 * @param entries CONNECT lines considered
 */
public record AccessLogSuggestion(String yaml, long lines, long skipped, long entries) {

    /** An access log to read: a name for messages and the stream (a file, or standard input for {@code -}). */
    public interface Source {
        String name();

        InputStream open() throws IOException;
    }

    public static AccessLogSuggestion of(List<Source> sources, Cloud cloud) throws IOException {
        AccessLogReader reader = new AccessLogReader();
        ConfigSuggester suggester = new ConfigSuggester(cloud);
        for (Source source : sources) {
            try (InputStream in = source.open()) {
                reader.read(in, suggester::add);
            }
        }
        String yaml = suggester.entries() == 0 ? null : SuggestionWriter.write(suggester, reader.lines(), reader.skipped());
        return new AccessLogSuggestion(yaml, reader.lines(), reader.skipped(), suggester.entries());
    }
}
