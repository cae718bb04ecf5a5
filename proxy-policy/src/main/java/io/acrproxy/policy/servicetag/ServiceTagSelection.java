package io.acrproxy.policy.servicetag;

import io.acrproxy.policy.net.Cidr;
import io.acrproxy.policy.net.CidrSet;
import java.util.List;

/**
 * The tags a config selects from a service-tags file, compiled for lookup.
 *
 * @param changeNumber the file's change number
 * @param cloud        the file's cloud
 * @param names        selected tag names, in config order
 * @param prefixes     all prefixes of the selected tags (distinct, in file order)
 * @param set          lookup structure; {@link CidrSet#lookup} returns the name of a tag containing the address
 */
public record ServiceTagSelection(long changeNumber, String cloud, List<String> names, List<Cidr> prefixes, CidrSet set) {
    public ServiceTagSelection {
        names = List.copyOf(names);
        prefixes = List.copyOf(prefixes);
    }
}
