package io.acrproxy.policy.servicetag;

import java.util.Collection;
import java.util.Map;

/**
 * A parsed {@code ServiceTags_*.json}.
 *
 * @param changeNumber top-level {@code changeNumber} (0 when missing or null)
 * @param cloud        top-level {@code cloud} ("" when missing or null), e.g. {@code Public}
 * @param tags         the tags by name, in file order
 */
public record ServiceTagsFile(long changeNumber, String cloud, Map<String, ServiceTag> tags) {
    /** STUB. */
    public int prefixCount() {
        throw new UnsupportedOperationException("stub");
    }

    /** STUB: selects tags by name; throws UnknownServiceTagsException naming every missing tag. */
    public ServiceTagSelection select(Collection<String> names) {
        throw new UnsupportedOperationException("stub");
    }
}
