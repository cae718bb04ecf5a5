package io.acrproxy.server.config;

import io.acrproxy.policy.RegistryNames;
import io.acrproxy.policy.host.HostName;
import java.util.Locale;

/**
 * The naming rules of Azure resources that appear as the first label of an allowed host. Each check returns
 * the normalised name or throws {@link IllegalArgumentException} with a message in the style
 * {@code "My_Reg" is not a valid registry name (5-50 lowercase letters and digits)}.
 */
final class Names {
    static final String REGISTRY_RULE = "5-50 lowercase letters and digits";
    static final String ACCOUNT_RULE = "3-24 lowercase letters and digits";
    static final String IOT_HUB_RULE = "3-50 letters, digits and hyphens, not starting or ending with a hyphen";
    static final String REGION_RULE = "a DNS label such as eastus, or \"*\" for any one label";

    // ACR and Storage refuse upper case at creation, so an upper-case entry is a typo, not another spelling.

    private Names() {
    }

    static String registry(String name) {
        if (!RegistryNames.isRegistryName(name)) {
            // The login server is what `docker login` and the portal show, so it is what people paste.
            int dot = name.indexOf('.');
            String firstLabel = dot > 0 ? name.substring(0, dot) : null;
            if (firstLabel != null && RegistryNames.isRegistryName(firstLabel)) {
                throw new IllegalArgumentException(HostName.quote(name) + " is a host name, not a registry name "
                        + "(expected: the registry's name alone, " + firstLabel + ")");
            }
        }
        return check(RegistryNames.isRegistryName(name), name, "registry name", REGISTRY_RULE);
    }

    static String storageAccount(String name) {
        return check(RegistryNames.isStorageAccountName(name), name, "storage account name", ACCOUNT_RULE);
    }

    /** IoT Hub names are case-insensitive in Azure; they become a DNS label, so they are lower-cased. */
    static String iotHub(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        check(RegistryNames.isIotHubName(lower), name, "IoT Hub name", IOT_HUB_RULE);
        return lower;
    }

    /** A region label of a data or regional endpoint, lower-cased as DNS compares it; {@code *} stays. */
    static String region(String label) {
        String lower = label.toLowerCase(Locale.ROOT);
        check(RegistryNames.isRegion(lower), label, "region", REGION_RULE);
        return lower;
    }

    private static String check(boolean valid, String name, String what, String description) {
        if (!valid) {
            throw invalid(name, what, description);
        }
        return name;
    }

    private static IllegalArgumentException invalid(String value, String what, String rule) {
        return new IllegalArgumentException(HostName.quote(value) + " is not a valid " + what + " (" + rule + ")");
    }
}
