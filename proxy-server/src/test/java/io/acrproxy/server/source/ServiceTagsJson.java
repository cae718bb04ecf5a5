package io.acrproxy.server.source;

import io.acrproxy.policy.servicetag.ServiceTagsFile;
import io.acrproxy.policy.servicetag.ServiceTagsParser;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Small service-tags documents in Azure's shape. */
final class ServiceTagsJson {
    static final String TAG = "AzureContainerRegistry.EastUS";

    private ServiceTagsJson() {
    }

    static String doc(long changeNumber, String... prefixes) {
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < prefixes.length; i++) {
            list.append(i == 0 ? "" : ", ").append('"').append(prefixes[i]).append('"');
        }
        return "{\n  \"changeNumber\": " + changeNumber + ",\n  \"cloud\": \"Public\",\n  \"values\": [\n"
                + "    {\"name\": \"" + TAG + "\", \"id\": \"" + TAG + "\", \"properties\": {\"changeNumber\": 1,"
                + " \"region\": \"eastus\", \"systemService\": \"AzureContainerRegistry\","
                + " \"addressPrefixes\": [" + list + "]}}\n  ]\n}\n";
    }

    static ServiceTagsFile parsed(String json) {
        try {
            return ServiceTagsParser.parse(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
