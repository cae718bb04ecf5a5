package io.acrproxy.policy;

import io.acrproxy.policy.host.HostName;
import io.acrproxy.policy.host.InvalidHostException;
import java.util.regex.Pattern;

/** Name rules that Azure itself enforces, so a config typo fails the load instead of allowing nothing. */
public final class RegistryNames {
    /** ACR: "alphanumeric only, 5–50 characters" (lower case in DNS). */
    private static final Pattern REGISTRY = Pattern.compile("[a-z0-9]{5,50}");
    /** Storage accounts: 3–24 lowercase letters and digits. */
    private static final Pattern STORAGE_ACCOUNT = Pattern.compile("[a-z0-9]{3,24}");
    /** IoT Hub: 3–50 letters, digits and hyphens, not ending in a hyphen. */
    private static final Pattern IOT_HUB = Pattern.compile("[a-z0-9][a-z0-9-]{1,48}[a-z0-9]");

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

    /** A region label of a data or geo endpoint: one normalised DNS label (eastus, usgovvirginia), or "*". */
    public static boolean isRegion(String s) {
        if (s.equals("*")) {
            return true;
        }
        try {
            return s.indexOf('.') < 0 && HostName.normalise(s).equals(s);
        } catch (InvalidHostException e) {
            return false;
        }
    }
}
