package io.acrproxy.policy.servicetag;

import io.acrproxy.policy.net.Cidr;
import io.acrproxy.policy.net.CidrSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A parsed {@code ServiceTags_*.json}.
 *
 * @param changeNumber top-level {@code changeNumber} (0 when missing or null)
 * @param cloud        top-level {@code cloud} ("" when missing or null), e.g. {@code Public}
 * @param tags         the tags by name, in file order
 */
public record ServiceTagsFile(long changeNumber, String cloud, Map<String, ServiceTag> tags) {

    public ServiceTagsFile {
        Objects.requireNonNull(cloud, "cloud");
        tags = Collections.unmodifiableMap(new LinkedHashMap<>(tags));
    }

    /** The number of address prefixes over all tags, as listed (a prefix in several tags counts each time). */
    public int prefixCount() {
        int count = 0;
        for (ServiceTag tag : tags.values()) {
            count += tag.addressPrefixes().size();
        }
        return count;
    }

    /**
     * Selects tags by exact {@code name} (design §6.4). The selection's {@link CidrSet} labels each prefix with the
     * name of the first selected tag, in file order, that lists it.
     *
     * @param names tag names in config order; repeated names are selected once
     * @throws UnknownServiceTagsException naming every requested tag the file does not have, with a suggestion
     *                                     when a tag of the same name in another letter case exists
     */
    public ServiceTagSelection select(Collection<String> names) {
        List<String> wanted = new ArrayList<>(new LinkedHashSet<>(names));
        List<String> missing = new ArrayList<>();
        for (String name : wanted) {
            if (!tags.containsKey(Objects.requireNonNull(name, "tag name"))) {
                missing.add(name);
            }
        }
        if (!missing.isEmpty()) {
            throw unknown(missing);
        }
        Set<String> selected = Set.copyOf(wanted);
        Set<Cidr> prefixes = new LinkedHashSet<>();
        CidrSet.Builder set = CidrSet.builder();
        for (ServiceTag tag : tags.values()) {
            if (selected.contains(tag.name())) {
                for (Cidr prefix : tag.addressPrefixes()) {
                    prefixes.add(prefix);
                    set.add(prefix, tag.name());
                }
            }
        }
        return new ServiceTagSelection(changeNumber, cloud, wanted, new ArrayList<>(prefixes), set.build());
    }

    private UnknownServiceTagsException unknown(List<String> missing) {
        Map<String, String> byLowerCase = new LinkedHashMap<>();
        for (String name : tags.keySet()) {
            byLowerCase.putIfAbsent(name.toLowerCase(Locale.ROOT), name);
        }
        StringBuilder message = new StringBuilder(missing.size() == 1 ? "service tag " : "service tags ");
        for (int i = 0; i < missing.size(); i++) {
            String name = missing.get(i);
            message.append(i == 0 ? "" : ", ").append('"').append(name).append('"');
            String suggestion = byLowerCase.get(name.toLowerCase(Locale.ROOT));
            if (suggestion != null) {
                message.append(" (did you mean ").append(suggestion).append("?)");
            }
        }
        message.append(missing.size() == 1 ? " is" : " are").append(" not in the service-tags file (cloud ")
                .append(cloud.isEmpty() ? "unknown" : cloud).append(", changeNumber ").append(changeNumber)
                .append(", ").append(tags.size()).append(" tags; names are case-sensitive)");
        return new UnknownServiceTagsException(message.toString(), missing);
    }
}
