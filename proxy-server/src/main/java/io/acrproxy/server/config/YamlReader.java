package io.acrproxy.server.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads config text into a tree. Anything that makes the text unreadable as one YAML map — a syntax error,
 * a duplicate key, an alias — is one error with its line and column; the tree is then {@code null}.
 */
final class YamlReader {
    private static final String DUPLICATE_PREFIX = "Duplicate field '";
    private static final String COMPLEX_KEY_PREFIX = "Expected a field name";

    // Without strict detection the parser keeps the last of two equal keys, silently dropping the first.
    private static final YAMLMapper MAPPER = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private YamlReader() {
    }

    /** The document's tree; {@code MissingNode} for an empty document; {@code null} when it cannot be read. */
    static JsonNode read(String text, Problems problems) {
        try {
            refuseAliases(text);
            try (JsonParser parser = MAPPER.createParser(text)) {
                JsonNode root = MAPPER.readTree(parser);
                if (parser.nextToken() != null) {
                    // Only the first document would be used; a stray "---" usually means two files were pasted together.
                    problems.error(KeyPath.ROOT, "the file holds more than one YAML document (expected: one document)");
                }
                return root != null ? root : MAPPER.missingNode();
            }
        } catch (StreamReadException e) {
            report(e, problems);
            return null;
        } catch (IOException e) {
            // Reading from a String fails only through the parser, which throws StreamReadException.
            throw new IllegalStateException(e);
        }
    }

    /**
     * Jackson's YAML tree reader turns an alias ({@code *name}) into the string {@code "name"} instead of the
     * anchored value, so a config using one would silently mean something else.
     */
    private static void refuseAliases(String text) throws IOException {
        try (YAMLParser parser = (YAMLParser) MAPPER.createParser(text)) {
            while (parser.nextToken() != null) {
                if (parser.isCurrentAlias()) {
                    throw new JsonParseException(parser, "aliases (*" + parser.getText()
                            + ") are not supported (expected: the value written out)");
                }
            }
        }
    }

    private static void report(StreamReadException e, Problems problems) {
        if (e.getCause() instanceof MarkedYAMLException yaml && yaml.getProblemMark() != null) {
            Mark mark = yaml.getProblemMark();
            problems.error(KeyPath.ROOT, "YAML syntax error at line " + (mark.getLine() + 1) + ", column "
                    + (mark.getColumn() + 1) + ": " + oneLine(yaml.getProblem()));
            return;
        }
        String message = e.getOriginalMessage();
        JsonLocation at = e.getLocation();
        if (message.startsWith(DUPLICATE_PREFIX) && e.getProcessor() != null) {
            problems.error(KeyPath.of(e.getProcessor().getParsingContext()),
                    "duplicate key on line " + at.getLineNr() + " (expected: each key once per map)");
            return;
        }
        if (message.startsWith(COMPLEX_KEY_PREFIX)) {
            message = "a key is not a plain name (expected: name: value)"; // Jackson's text names SnakeYAML event classes
        }
        problems.error(KeyPath.ROOT, "YAML error at line " + at.getLineNr() + ", column " + at.getColumnNr() + ": "
                + oneLine(message));
    }

    /**
     * The parser's text with control characters and line separators escaped ({@code \x0a}): SnakeYAML quotes the
     * character it stopped at as it is ("found \n(10)"), and every problem must stay one line.
     */
    private static String oneLine(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                out.append(c <= 0xff ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
