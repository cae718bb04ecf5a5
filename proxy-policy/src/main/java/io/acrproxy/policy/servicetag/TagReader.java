package io.acrproxy.policy.servicetag;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.acrproxy.policy.net.Cidr;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads one element of {@code values[]}, the parser standing on its {@code START_OBJECT}.
 *
 * <p>{@code name} may come after {@code properties}, and an error message should name the tag, so the first
 * problem is remembered and reported when the object ends and the name is known.
 */
final class TagReader {
    private final JsonParser p;
    private final int index;
    private String name;
    private String region = "";
    private String systemService = "";
    private final List<Cidr> prefixes = new ArrayList<>();
    private String problem;

    TagReader(JsonParser parser, int index) {
        this.p = parser;
        this.index = index;
    }

    /** The tag, or {@code null} when the value has no name. */
    ServiceTag read() throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "name" -> name = string(value, "name");
                case "properties" -> readProperties(value);
                default -> p.skipChildren();
            }
        }
        if (problem != null) {
            String tag = name != null ? "tag \"" + name + "\"" : "a tag without a name";
            throw new ServiceTagsFormatException("values[" + index + "] (" + tag + "): " + problem);
        }
        return name == null ? null : new ServiceTag(name, region, systemService, prefixes);
    }

    private void readProperties(JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return;
        }
        if (value != JsonToken.START_OBJECT) {
            wrongType("properties", "an object", value);
            return;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            switch (field) {
                case "region" -> region = ServiceTagsParser.orEmpty(string(v, "properties.region"));
                case "systemService" -> systemService = ServiceTagsParser.orEmpty(string(v, "properties.systemService"));
                case "addressPrefixes" -> readPrefixes(v);
                default -> p.skipChildren();
            }
        }
    }

    private void readPrefixes(JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return;
        }
        if (value != JsonToken.START_ARRAY) {
            wrongType("properties.addressPrefixes", "an array", value);
            return;
        }
        int i = 0;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken(), i++) {
            if (t == JsonToken.VALUE_NULL) {
                continue;
            }
            if (t != JsonToken.VALUE_STRING) {
                wrongType("properties.addressPrefixes[" + i + "]", "a string", t);
                continue;
            }
            try {
                prefixes.add(Cidr.parseLenient(p.getText()));
            } catch (IllegalArgumentException e) {
                remember("properties.addressPrefixes[" + i + "] at " + ServiceTagsParser.position(p.currentTokenLocation())
                        + ": " + e.getMessage());
            }
        }
    }

    private String string(JsonToken value, String field) throws IOException {
        if (value == JsonToken.VALUE_NULL || value == JsonToken.VALUE_STRING) {
            return value == JsonToken.VALUE_NULL ? null : p.getText();
        }
        wrongType(field, "a string", value);
        return null;
    }

    private void wrongType(String field, String expected, JsonToken found) throws IOException {
        remember(ServiceTagsParser.typeError(p, field, expected, found).getMessage());
        p.skipChildren();
    }

    private void remember(String message) {
        if (problem == null) {
            problem = message;
        }
    }
}
