package io.acrproxy.server.config;

import io.acrproxy.policy.host.HostName;
import io.acrproxy.policy.host.InvalidHostException;
import java.util.Locale;
import java.util.regex.Pattern;

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
    private static final Pattern REGISTRY = Pattern.compile("[a-z0-9]{5,50}");
    private static final Pattern ACCOUNT = Pattern.compile("[a-z0-9]{3,24}");
    private static final Pattern IOT_HUB = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]{1,48})[A-Za-z0-9]");

    private Names() {
    }

    static String registry(String name) {
        return check(REGISTRY, name, "registry name", REGISTRY_RULE);
    }

    static String storageAccount(String name) {
        return check(ACCOUNT, name, "storage account name", ACCOUNT_RULE);
    }

    /** IoT Hub names are case-insensitive in Azure; they become a DNS label, so they are lower-cased. */
    static String iotHub(String name) {
        return check(IOT_HUB, name, "IoT Hub name", IOT_HUB_RULE).toLowerCase(Locale.ROOT);
    }

    /** A region label of a data or regional endpoint, lower-cased as DNS compares it; {@code *} stays. */
    static String region(String label) {
        if (label.equals("*")) {
            return label;
        }
        try {
            String normalised = HostName.normalise(label);
            if (normalised.indexOf('.') < 0) {
                return normalised;
            }
        } catch (InvalidHostException e) {
            // Falls through to the region-specific message, which says what a region looks like.
        }
        throw invalid(label, "region", REGION_RULE);
    }

    private static String check(Pattern rule, String name, String what, String description) {
        if (!rule.matcher(name).matches()) {
            throw invalid(name, what, description);
        }
        return name;
    }

    private static IllegalArgumentException invalid(String value, String what, String rule) {
        return new IllegalArgumentException(HostName.quote(value) + " is not a valid " + what + " (" + rule + ")");
    }
}
