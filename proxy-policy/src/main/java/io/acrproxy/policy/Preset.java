package io.acrproxy.policy;

/** {@code presets:} entries (design §6.3). */
public enum Preset {
    /** Microsoft Container Registry: its login host and {@code *.data.<mcr host>}. */
    MCR("mcr"),
    /** Azure IoT Edge: the named IoT Hubs, the global DPS endpoint, and {@link #MCR}. */
    IOT_EDGE("iot-edge");

    private final String configName;

    Preset(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    /** {@code null} when unknown. */
    public static Preset fromConfigName(String name) {
        for (Preset p : values()) {
            if (p.configName.equals(name)) {
                return p;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return configName;
    }
}
