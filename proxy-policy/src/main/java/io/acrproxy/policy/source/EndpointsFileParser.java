package io.acrproxy.policy.source;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.CharConversionException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the JSON that {@code az acr show-endpoints --name R} prints:
 * <pre>{"connectionEndpoint": ..., "dataEndpoints": [{"endpoint": "r.eastus.data.azurecr.io", "region": "eastus"}],
 *  "loginServer": "r.azurecr.io", "regionalEndpoints": [...]}</pre>
 * Only {@code loginServer}, {@code dataEndpoints[].endpoint} and {@code regionalEndpoints[].endpoint} matter;
 * other fields (the CLI adds some between versions) are skipped. Repeated keys and anything after the object are
 * refused. Values are returned as written: the policy compiler validates them against the cloud.
 */
public final class EndpointsFileParser {
    private static final JsonFactory JSON = JsonFactory.builder().build();

    private EndpointsFileParser() {
    }

    /** @throws IOException when the file cannot be read or is not show-endpoints output; the message says why */
    public static EndpointSet parse(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toString());
        }
    }

    public static EndpointSet parse(InputStream in, String source) throws IOException {
        try (JsonParser p = JSON.createParser(in)) {
            p.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException(source + ": expected a JSON object as printed by `az acr show-endpoints`");
            }
            String loginServer = null;
            List<String> data = List.of();
            List<String> regional = List.of();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "loginServer" -> {
                        if (value != JsonToken.VALUE_STRING) {
                            throw new IOException(source + ": loginServer must be a string" + at(p));
                        }
                        loginServer = p.getText();
                    }
                    case "dataEndpoints" -> data = endpoints(p, source, field);
                    case "regionalEndpoints" -> regional = endpoints(p, source, field);
                    default -> p.skipChildren();
                }
            }
            if (loginServer == null) {
                throw new IOException(source + ": no loginServer (expected the output of `az acr show-endpoints`)");
            }
            if (p.nextToken() != null) {
                // Two outputs appended to one file would otherwise silently lose the second registry.
                throw new IOException(source + ": content after the JSON object" + at(p)
                        + " (expected the output of one `az acr show-endpoints`)");
            }
            return new EndpointSet(source, loginServer, data, regional);
        } catch (JsonProcessingException e) {
            // Syntax errors and repeated keys, but also Jackson's limits (StreamConstraintsException, e.g. nesting).
            throw new IOException(source + ": not valid JSON: " + e.getOriginalMessage()
                    + (e.getProcessor() instanceof JsonParser parser ? at(parser) : ""), e);
        } catch (CharConversionException e) {
            // Jackson's UTF-32 decoding reports a character that is not Unicode as this plain IOException.
            throw new IOException(source + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    private static List<String> endpoints(JsonParser p, String source, String field) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return List.of();
        }
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new IOException(source + ": " + field + " must be a list" + at(p));
        }
        List<String> out = new ArrayList<>();
        int index = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.START_OBJECT) {
                throw new IOException(source + ": " + field + "[" + index + "] must be an object with an endpoint" + at(p));
            }
            String endpoint = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (name.equals("endpoint") && value == JsonToken.VALUE_STRING) {
                    endpoint = p.getText();
                } else {
                    p.skipChildren();
                }
            }
            if (endpoint == null) {
                throw new IOException(source + ": " + field + "[" + index + "] has no endpoint string");
            }
            out.add(endpoint);
            index++;
        }
        return out;
    }

    private static String at(JsonParser p) {
        if (p == null) {
            return "";
        }
        var loc = p.currentTokenLocation();
        return " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
    }
}
