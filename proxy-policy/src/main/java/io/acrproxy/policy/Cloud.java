package io.acrproxy.policy;

import java.util.Locale;

/**
 * The Azure clouds of design §6.2 and the DNS suffixes each uses.
 *
 * <p>IoT suffixes are not in the table of design §6.2; they follow Azure's national-cloud endpoints
 * ({@code azure-devices.cn}, {@code azure-devices.us}) so that the {@code iot-edge} preset names hosts
 * that exist in the configured cloud.
 */
public enum Cloud {
    AZURE_CLOUD("AzureCloud", "azurecr.io", "blob.core.windows.net", "mcr.microsoft.com",
            "azure-devices.net", "azure-devices-provisioning.net"),
    AZURE_CHINA_CLOUD("AzureChinaCloud", "azurecr.cn", "blob.core.chinacloudapi.cn", "mcr.azure.cn",
            "azure-devices.cn", "azure-devices-provisioning.cn"),
    AZURE_US_GOVERNMENT("AzureUSGovernment", "azurecr.us", "blob.core.usgovcloudapi.net", "mcr.microsoft.com",
            "azure-devices.us", "azure-devices-provisioning.us");

    private final String configName;
    private final String registrySuffix;
    private final String blobSuffix;
    private final String mcrHost;
    private final String iotHubSuffix;
    private final String dpsSuffix;

    Cloud(String configName, String registrySuffix, String blobSuffix, String mcrHost, String iotHubSuffix, String dpsSuffix) {
        this.configName = configName;
        this.registrySuffix = registrySuffix;
        this.blobSuffix = blobSuffix;
        this.mcrHost = mcrHost;
        this.iotHubSuffix = iotHubSuffix;
        this.dpsSuffix = dpsSuffix;
    }

    /** The name used in the config file ({@code AzureCloud}). */
    public String configName() {
        return configName;
    }

    /** {@code azurecr.io}: login servers are {@code <name>.<suffix>}. */
    public String registrySuffix() {
        return registrySuffix;
    }

    /** {@code blob.core.windows.net}: storage accounts are {@code <account>.<suffix>}. */
    public String blobSuffix() {
        return blobSuffix;
    }

    /** The Microsoft Container Registry login host. */
    public String mcrHost() {
        return mcrHost;
    }

    /** MCR serves layers from {@code *.data.<mcrHost>} (one label). */
    public String mcrDataSuffix() {
        return "data." + mcrHost;
    }

    /** IoT Hub host suffix: hubs are {@code <hub>.<suffix>}. */
    public String iotHubSuffix() {
        return iotHubSuffix;
    }

    /** The global Device Provisioning Service endpoint. */
    public String dpsGlobalHost() {
        return "global." + dpsSuffix;
    }

    /** Looks a cloud up by its config name, case-insensitively; {@code null} when unknown. */
    public static Cloud fromConfigName(String name) {
        for (Cloud c : values()) {
            if (c.configName.toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                return c;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return configName;
    }
}
