package io.acrproxy.policy;

import java.util.regex.Pattern;

/** Name rules that Azure itself enforces, so a config typo fails the load instead of allowing nothing. */
public final class RegistryNames {
    /** ACR: "alphanumeric only, 5–50 characters" (lower case in DNS). */
    private static final Pattern REGISTRY = Pattern.compile("[a-z0-9]{5,50}");
    /** Storage accounts: 3–24 lowercase letters and digits. */
    private static final Pattern STORAGE_ACCOUNT = Pattern.compile("[a-z0-9]{3,24}");
    /** IoT Hub: 3–50 letters, digits and hyphens, not ending in a hyphen. */
    private static final Pattern IOT_HUB = Pattern.compile("[a-z0-9][a-z0-9-]{1,48}[a-z0-9]");
    /** An Azure region name as used in endpoint names (eastus, westeurope, usgovvirginia), or "*". */
    private static final Pattern REGION = Pattern.compile("\\*|[a-z0-9]{2,40}");

    private RegistryNames() {
    }

    public static boolean isRegistryName(String s) {
        return REGISTRY.matcher(s).matches();
    }

    public static boolean isStorageAccountName(String s) {
        return STORAGE_ACCOUNT.matcher(s).matches();
    }

    public static boolean isIotHubName(String s) {
        return IOT_HUB.matcher(s).matches();
    }

    public static boolean isRegion(String s) {
        return REGION.matcher(s).matches();
    }
}
