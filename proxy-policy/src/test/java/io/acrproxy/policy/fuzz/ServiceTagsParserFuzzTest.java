package io.acrproxy.policy.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.acrproxy.policy.net.Cidr;
import io.acrproxy.policy.net.IpAddresses;
import io.acrproxy.policy.servicetag.ServiceTag;
import io.acrproxy.policy.servicetag.ServiceTagSelection;
import io.acrproxy.policy.servicetag.ServiceTagsFile;
import io.acrproxy.policy.servicetag.ServiceTagsFormatException;
import io.acrproxy.policy.servicetag.ServiceTagsParser;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The streaming parser of Azure's {@code ServiceTags_*.json} (design §6.4) under hostile bytes. Properties:
 * <ul>
 *   <li>any input parses or is refused with {@link ServiceTagsFormatException} (never another exception), and
 *       parsing the same bytes again gives an equal file or the same refusal;</li>
 *   <li>it accepts exactly what a naive reading of the whole document as a tree accepts under the rules of
 *       §6.4 (strict JSON, one top-level object, no repeated key, a {@code values} array, the types of the
 *       fields it reads, CIDR prefixes; nulls, unknown fields and nameless values tolerated), and gives the
 *       same tags: values with the same name merged, prefixes in file order;</li>
 *   <li>every prefix is canonical (its text parses strictly back to it), has the length its text says and
 *       contains the address its text names (host bits cleared, never another network);</li>
 *   <li>selecting every tag gives each distinct prefix once, and the lookup set finds every prefix's first and
 *       last address under a tag that lists a prefix containing it at least as specifically.</li>
 * </ul>
 * The 64 MiB bound is too big for a seed file; {@link #refusesDocumentsOver64MiB()} checks it with a generated
 * stream.
 */
class ServiceTagsParserFuzzTest {
    /** The same tokenizer settings as the parser's own, for the reference reading. */
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    @FuzzTest(maxDuration = "10m")
    void parseAgreesWithATreeReadingAndGivesValidMergedPrefixes(byte[] input) throws IOException {
        Object parsed = outcome(input);
        assertThat(outcome(input)).as("parsing the same bytes again").isEqualTo(parsed);

        Expected expected = reference(input);
        if (parsed instanceof String refusal) {
            assertThat(refusal).isNotBlank();
            assertThat(expected).as("refused (%s), but a tree reading accepts it", refusal).isNull();
            return;
        }
        ServiceTagsFile file = (ServiceTagsFile) parsed;
        assertThat(expected).as("accepted, but a tree reading refuses it").isNotNull();
        assertThat(file.changeNumber()).isEqualTo(expected.changeNumber);
        assertThat(file.cloud()).isEqualTo(expected.cloud);
        assertThat(List.copyOf(file.tags().keySet())).as("tag names in file order").isEqualTo(List.copyOf(expected.tags.keySet()));
        assertThat(file.tags()).as("tags, same names merged").isEqualTo(expected.tags);
        for (Map.Entry<String, ServiceTag> e : file.tags().entrySet()) {
            assertThat(e.getValue().name()).isEqualTo(e.getKey());
        }
        for (PrefixText p : expected.prefixTexts) {
            checkPrefix(p.text, p.cidr);
        }
        checkSelection(file);
    }

    /** The parsed file, or the refusal's message; anything else thrown fails the test. */
    private static Object outcome(byte[] input) throws IOException {
        try {
            return ServiceTagsParser.parse(new ByteArrayInputStream(input));
        } catch (ServiceTagsFormatException e) {
            return e.getMessage();
        }
    }

    /** The prefix parsed from {@code text} is canonical and is the network of the address the text names. */
    private static void checkPrefix(String text, Cidr cidr) {
        assertThat(Cidr.parse(cidr.toString())).as("%s re-parsed strictly from its text", cidr).isEqualTo(cidr);
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        byte[] bytes = address.indexOf(':') >= 0 ? IpAddresses.parseIpv6(address) : IpAddresses.parseIpv4(address);
        assertThat(bytes).as("the address of %s", text).isNotNull();
        int length = slash < 0 ? bytes.length * 8 : Integer.parseInt(text.substring(slash + 1));
        assertThat(cidr.isIpv4()).isEqualTo(bytes.length == 4);
        assertThat(cidr.prefixLength()).as("length of %s", text).isEqualTo(length);
        assertThat(cidr.contains(bytes)).as("%s contains the address of %s", cidr, text).isTrue();
        assertThat(cidr.contains(cidr.network()) && cidr.contains(cidr.lastAddress())).isTrue();
    }

    private static void checkSelection(ServiceTagsFile file) {
        ServiceTagSelection selection = file.select(file.tags().keySet());
        LinkedHashSet<Cidr> distinct = new LinkedHashSet<>();
        file.tags().values().forEach(t -> distinct.addAll(t.addressPrefixes()));
        assertThat(selection.prefixes()).as("each distinct prefix once, in file order").containsExactlyElementsOf(distinct);
        assertThat(selection.set().size()).isEqualTo(distinct.size());
        for (Cidr prefix : distinct) {
            for (byte[] address : List.of(prefix.network().getAddress(), prefix.lastAddress().getAddress())) {
                String label = selection.set().lookup(address);
                assertThat(label).as("lookup of an address of %s", prefix).isNotNull();
                assertThat(file.tags().get(label).addressPrefixes())
                        .as("tag %s holds a prefix containing an address of %s at least as specifically", label, prefix)
                        .anyMatch(p -> p.contains(address) && p.prefixLength() >= prefix.prefixLength());
            }
        }
    }

    // ---- The reference: read the whole document into maps and lists, then apply design §6.4 the obvious way ----

    private static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    /** A JSON number as written. */
    private record Num(boolean integral, String text) {
    }

    private record PrefixText(String text, Cidr cidr) {
    }

    private static final class Expected {
        long changeNumber;
        String cloud = "";
        final Map<String, ServiceTag> tags = new LinkedHashMap<>();
        final List<PrefixText> prefixTexts = new ArrayList<>();
    }

    /** Thrown by the reference for a document §6.4 refuses. */
    private static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String why) {
            super(why, null, false, false);
        }
    }

    /** What §6.4 makes of the document, or {@code null} when it refuses it. */
    private static Expected reference(byte[] input) {
        Object document;
        try {
            document = readDocument(input);
        } catch (IOException e) {
            return null; // not JSON, a repeated key, content after the document, past Jackson's constraints
        }
        try {
            return interpret(document);
        } catch (Refused e) {
            return null;
        }
    }

    private static Object readDocument(byte[] input) throws IOException {
        try (JsonParser p = JSON.createParser(new ByteArrayInputStream(input))) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new IOException("empty");
            }
            Object value = read(p, first);
            if (p.nextToken() != null) {
                throw new IOException("content after the document");
            }
            return value;
        }
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
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                return new Num(token == JsonToken.VALUE_NUMBER_INT, p.getText());
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return token == JsonToken.VALUE_TRUE;
            }
            case VALUE_NULL -> {
                return NULL;
            }
            default -> throw new IOException("unexpected token " + token);
        }
    }

    private static Expected interpret(Object document) throws Refused {
        if (!(document instanceof Map<?, ?> root)) {
            throw new Refused("not an object");
        }
        Expected out = new Expected();
        Object changeNumber = root.get("changeNumber");
        if (present(changeNumber)) {
            if (!(changeNumber instanceof Num n) || !n.integral()) {
                throw new Refused("changeNumber is not an integer");
            }
            BigInteger value = new BigInteger(n.text());
            if (value.bitLength() > 63) {
                throw new Refused("changeNumber out of range");
            }
            out.changeNumber = value.longValue();
        }
        out.cloud = orEmpty(string(root.get("cloud")));
        Object values = root.get("values");
        if (!(values instanceof List<?> list)) {
            throw new Refused("no values array");
        }
        Map<String, List<Cidr>> prefixes = new LinkedHashMap<>();
        Map<String, String[]> firstProperties = new LinkedHashMap<>();
        for (Object value : list) {
            if (value == NULL) {
                continue;
            }
            if (!(value instanceof Map<?, ?> tag)) {
                throw new Refused("a value is not an object");
            }
            String name = string(tag.get("name"));
            String region = "";
            String systemService = "";
            List<Cidr> own = new ArrayList<>();
            Object properties = tag.get("properties");
            if (present(properties)) {
                if (!(properties instanceof Map<?, ?> props)) {
                    throw new Refused("properties is not an object");
                }
                region = orEmpty(string(props.get("region")));
                systemService = orEmpty(string(props.get("systemService")));
                Object addressPrefixes = props.get("addressPrefixes");
                if (present(addressPrefixes)) {
                    if (!(addressPrefixes instanceof List<?> texts)) {
                        throw new Refused("addressPrefixes is not an array");
                    }
                    for (Object text : texts) {
                        if (text == NULL) {
                            continue;
                        }
                        if (!(text instanceof String s)) {
                            throw new Refused("a prefix is not a string");
                        }
                        Cidr cidr;
                        try {
                            cidr = Cidr.parseLenient(s);
                        } catch (IllegalArgumentException e) {
                            throw new Refused("not a CIDR prefix");
                        }
                        own.add(cidr);
                        out.prefixTexts.add(new PrefixText(s, cidr));
                    }
                }
            }
            if (name != null) {
                prefixes.computeIfAbsent(name, k -> new ArrayList<>()).addAll(own);
                firstProperties.putIfAbsent(name, new String[] {region, systemService});
            }
        }
        for (Map.Entry<String, List<Cidr>> e : prefixes.entrySet()) {
            String[] first = firstProperties.get(e.getKey());
            out.tags.put(e.getKey(), new ServiceTag(e.getKey(), first[0], first[1], e.getValue()));
        }
        return out;
    }

    private static boolean present(Object value) {
        return value != null && value != NULL;
    }

    /** A string field: its text, {@code null} when missing or null, refused when of another type. */
    private static String string(Object value) throws Refused {
        if (!present(value)) {
            return null;
        }
        if (!(value instanceof String s)) {
            throw new Refused("not a string");
        }
        return s;
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    // ---- The size bound (design §6.4: a document over 64 MiB is refused) ----

    @Test
    void refusesDocumentsOver64MiB() throws IOException {
        long max = ServiceTagsParser.MAX_DOCUMENT_BYTES;
        assertThat(ServiceTagsParser.parse(padded(max)).tags()).isEmpty();
        assertThatThrownBy(() -> ServiceTagsParser.parse(padded(max + 1)))
                .isInstanceOf(ServiceTagsFormatException.class)
                .hasMessageContaining("exceeds the maximum allowed (" + max);
    }

    /** {@code {"values": [ ... ]}} with spaces inside the array, exactly {@code length} bytes, never held whole. */
    private static InputStream padded(long length) {
        byte[] head = "{\"values\": [".getBytes(StandardCharsets.US_ASCII);
        byte[] tail = "]}".getBytes(StandardCharsets.US_ASCII);
        return new InputStream() {
            private long position;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0];
            }

            @Override
            public int read(byte[] buffer, int offset, int count) {
                if (position >= length) {
                    return -1;
                }
                long tailStart = length - tail.length;
                int n = 0;
                while (n < count && position < length) {
                    if (position >= head.length && position < tailStart) {
                        int spaces = (int) Math.min(count - n, tailStart - position);
                        Arrays.fill(buffer, offset + n, offset + n + spaces, (byte) ' ');
                        n += spaces;
                        position += spaces;
                    } else {
                        buffer[offset + n++] = position < head.length ? head[(int) position] : tail[(int) (position - tailStart)];
                        position++;
                    }
                }
                return n;
            }
        };
    }
}
