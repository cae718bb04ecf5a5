package io.acrproxy.policy.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.acrproxy.policy.source.EndpointSet;
import io.acrproxy.policy.source.EndpointsFileParser;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reader of {@code az acr show-endpoints} output (design §6.3, endpoint files) under hostile bytes. Properties:
 * <ul>
 *   <li>any input gives an {@link EndpointSet} or an {@link IOException} whose message starts with the source name
 *       (the form the config's error lines are built from), never another exception; the same bytes give the
 *       same result or the same message again;</li>
 *   <li>it accepts exactly what a naive reading of the whole document as a tree accepts: one JSON object and
 *       nothing after it, no repeated key anywhere, a string {@code loginServer}, and {@code dataEndpoints} and
 *       {@code regionalEndpoints} missing, null or arrays of objects each with a string {@code endpoint};</li>
 *   <li>it reads only {@code loginServer}, {@code dataEndpoints[].endpoint} and {@code regionalEndpoints[].endpoint},
 *       as written and in order: whatever else the document holds makes no difference.</li>
 * </ul>
 */
class EndpointsFileParserFuzzTest {
    private static final String SOURCE = "endpoints.json";
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    @FuzzTest(maxDuration = "10m")
    void readsOnlyTheEndpointsAndRefusesWithTheSourceNamed(byte[] input) {
        Object parsed = outcome(input);
        assertThat(outcome(input)).as("parsing the same bytes again").isEqualTo(parsed);

        EndpointSet expected = reference(input);
        if (parsed instanceof String refusal) {
            assertThat(refusal).as("a refusal names its source").startsWith(SOURCE + ": ");
            assertThat(refusal.length()).isGreaterThan(SOURCE.length() + 2);
            assertThat(expected).as("refused (%s), but a tree reading accepts it", refusal).isNull();
            return;
        }
        assertThat(expected).as("accepted as %s, but a tree reading refuses it", parsed).isNotNull();
        assertThat(parsed).isEqualTo(expected);
    }

    /** The endpoint set, or the refusal's message; any other exception fails the test. */
    private static Object outcome(byte[] input) {
        try {
            return EndpointsFileParser.parse(new ByteArrayInputStream(input), SOURCE);
        } catch (IOException e) {
            assertThat(e.getMessage()).as("an IOException with a message").isNotNull();
            return e.getMessage();
        }
    }

    // ---- The reference: the whole document into maps and lists, then the rules of §6.3 the obvious way ----

    private static final Object NULL = new Object();

    /** The endpoints the document names, or {@code null} when it is not show-endpoints output. */
    private static EndpointSet reference(byte[] input) {
        Object document;
        try (JsonParser p = JSON.createParser(new ByteArrayInputStream(input))) {
            JsonToken first = p.nextToken();
            if (first != JsonToken.START_OBJECT) {
                return null;
            }
            document = read(p, first);
            if (p.nextToken() != null) {
                return null; // content after the object
            }
        } catch (IOException e) {
            return null; // not JSON, a repeated key, past Jackson's constraints
        }
        Map<?, ?> root = (Map<?, ?>) document;
        if (!(root.get("loginServer") instanceof String loginServer)) {
            return null;
        }
        List<String> data = endpoints(root.get("dataEndpoints"));
        List<String> regional = endpoints(root.get("regionalEndpoints"));
        if (data == null || regional == null) {
            return null;
        }
        return new EndpointSet(SOURCE, loginServer, data, regional);
    }

    /** {@code [].endpoint} of a list field; empty when missing or null; {@code null} when malformed. */
    private static List<String> endpoints(Object field) {
        if (field == null || field == NULL) {
            return List.of();
        }
        if (!(field instanceof List<?> list)) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (Object element : list) {
            if (!(element instanceof Map<?, ?> object) || !(object.get("endpoint") instanceof String endpoint)) {
                return null;
            }
            out.add(endpoint);
        }
        return out;
    }

    private static Object read(JsonParser p, JsonToken token) throws IOException {
        switch (token) {
            case START_OBJECT -> {
                Map<String, Object> object = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    object.put(name, read(p, p.nextToken()));
                }
                return object;
            }
            case START_ARRAY -> {
                List<Object> array = new ArrayList<>();
                for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                    array.add(read(p, t));
                }
                return array;
            }
            case VALUE_STRING -> {
                return p.getText();
            }
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT, VALUE_TRUE, VALUE_FALSE -> {
                return token;
            }
            case VALUE_NULL -> {
                return NULL;
            }
            default -> throw new IOException("unexpected token " + token);
        }
    }
}
