package io.acrproxy.policy.servicetag;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.acrproxy.policy.net.Cidr;
import java.io.CharConversionException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Streaming parser for Azure's {@code ServiceTags_<Cloud>_<YYYYMMDD>.json} (design §6.4): top-level
 * {@code changeNumber}, {@code cloud} and {@code values[]}, each value with {@code name} and
 * {@code properties.addressPrefixes}. The public file is 4 MB, so it is read token by token and never held as
 * a tree.
 *
 * <p>What it tolerates, because the published files vary between clouds and years: fields in any order,
 * missing or {@code null} fields and values (older files lack {@code regionId} and {@code networkFeatures}),
 * {@code null} properties, and unknown fields, whose contents are skipped unread. A value without a name cannot
 * be selected and is skipped. Prefixes are read with {@link Cidr#parseLenient(String)}.
 *
 * <p>What it refuses, with a {@link ServiceTagsFormatException} naming the value, its tag name and the JSON
 * line and column: input that is not JSON, has no {@code values} array, repeats a key within one object, or
 * has content after the top-level object; a field that is read having the wrong JSON type; a prefix that is
 * not a CIDR prefix; documents over {@value #MAX_DOCUMENT_BYTES} bytes.
 *
 * <p>Two values with the same name are merged: the tag's prefixes are those of all of them, in file order, and
 * its region and system service those of the first. Keeping only the first would silently drop prefixes that
 * the file says belong to the tag; Azure's files do not repeat names.
 */
public final class ServiceTagsParser {
    /** A bound on what a (possibly remote) source can make the proxy read: 16 times the 2025 public file. */
    public static final long MAX_DOCUMENT_BYTES = 64L * 1024 * 1024;

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
            .streamReadConstraints(StreamReadConstraints.builder().maxDocumentLength(MAX_DOCUMENT_BYTES).build())
            .build();

    private ServiceTagsParser() {
    }

    /** Parses a service-tags document; the stream is read to the end of the document and not closed. */
    public static ServiceTagsFile parse(InputStream in) throws IOException {
        try (JsonParser parser = JSON.createParser(in)) {
            return readFile(parser);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new ServiceTagsFormatException("not valid JSON" + (at != null ? " at " + position(at) : "") + ": "
                    + e.getOriginalMessage(), e);
        } catch (CharConversionException e) {
            // Jackson reports an invalid UTF-32 character (or byte order) as this plain IOException, not as a
            // parse error: it is still a document that is not JSON, not a failure to read the stream.
            throw new ServiceTagsFormatException("not valid JSON: " + e.getMessage(), e);
        }
    }

    /** Parses a service-tags file; format errors start with the file name. */
    public static ServiceTagsFile parse(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in);
        } catch (ServiceTagsFormatException e) {
            throw new ServiceTagsFormatException(file + ": " + e.getMessage(), e);
        }
    }

    private static ServiceTagsFile readFile(JsonParser p) throws IOException {
        JsonToken first = p.nextToken();
        if (first == null) {
            throw new ServiceTagsFormatException("not a service-tags file: the input is empty");
        }
        if (first != JsonToken.START_OBJECT) {
            throw new ServiceTagsFormatException("not a service-tags file: expected a JSON object with changeNumber, cloud"
                    + " and values at " + position(p.currentTokenLocation()) + " (found " + describe(first) + ")");
        }
        long changeNumber = 0;
        String cloud = "";
        Map<String, ServiceTag> tags = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "changeNumber" -> changeNumber = readChangeNumber(p, value);
                case "cloud" -> cloud = orEmpty(readString(p, value, "cloud"));
                case "values" -> tags = readValues(p, value);
                default -> p.skipChildren();
            }
        }
        JsonToken after = p.nextToken();
        if (after != null) {
            throw new ServiceTagsFormatException("unexpected " + describe(after) + " after the top-level object at "
                    + position(p.currentTokenLocation()));
        }
        if (tags == null) {
            throw new ServiceTagsFormatException("not a service-tags file: no \"values\" array");
        }
        return new ServiceTagsFile(changeNumber, cloud, tags);
    }

    private static long readChangeNumber(JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return 0;
        }
        if (value != JsonToken.VALUE_NUMBER_INT) {
            throw typeError(p, "changeNumber", "an integer", value);
        }
        return p.getLongValue();
    }

    private static Map<String, ServiceTag> readValues(JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return null;
        }
        if (value != JsonToken.START_ARRAY) {
            throw typeError(p, "values", "an array", value);
        }
        Map<String, ServiceTag> tags = new LinkedHashMap<>();
        int index = 0;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken(), index++) {
            if (t == JsonToken.VALUE_NULL) {
                continue;
            }
            if (t != JsonToken.START_OBJECT) {
                throw typeError(p, "values[" + index + "]", "an object", t);
            }
            ServiceTag tag = new TagReader(p, index).read();
            if (tag != null) {
                tags.merge(tag.name(), tag, ServiceTagsParser::merge);
            }
        }
        return tags;
    }

    private static ServiceTag merge(ServiceTag first, ServiceTag next) {
        List<Cidr> prefixes = new ArrayList<>(first.addressPrefixes());
        prefixes.addAll(next.addressPrefixes());
        return new ServiceTag(first.name(), first.region(), first.systemService(), prefixes);
    }

    static String readString(JsonParser p, JsonToken value, String field) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return null;
        }
        if (value != JsonToken.VALUE_STRING) {
            throw typeError(p, field, "a string", value);
        }
        return p.getText();
    }

    static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    static ServiceTagsFormatException typeError(JsonParser p, String field, String expected, JsonToken found) {
        return new ServiceTagsFormatException(field + " at " + position(p.currentTokenLocation()) + ": expected " + expected
                + " (found " + describe(found) + ")");
    }

    static String position(JsonLocation at) {
        return "line " + at.getLineNr() + ", column " + at.getColumnNr();
    }

    static String describe(JsonToken token) {
        if (token == null) {
            return "the end of the input";
        }
        return switch (token) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> token.asString() != null ? "'" + token.asString() + "'" : token.name();
        };
    }
}
