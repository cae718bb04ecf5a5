package io.acrproxy.policy.servicetag;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/** STUB: streaming parser for Azure's service-tags JSON. To be implemented (see helper task). */
public final class ServiceTagsParser {
    private ServiceTagsParser() {
    }

    public static ServiceTagsFile parse(InputStream in) throws IOException {
        throw new UnsupportedOperationException("stub");
    }

    public static ServiceTagsFile parse(Path file) throws IOException {
        throw new UnsupportedOperationException("stub");
    }
}
