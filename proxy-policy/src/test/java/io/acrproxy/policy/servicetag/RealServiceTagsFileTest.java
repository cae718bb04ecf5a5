package io.acrproxy.policy.servicetag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.acrproxy.policy.net.Cidr;
import io.acrproxy.policy.net.CidrSet;
import io.acrproxy.policy.net.IpAddresses;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Azure's real public service-tags file of 2025-10-28, read from {@code ../shared/fixtures} beside the repository
 * (system property {@code acrproxy.fixtures}, set by Surefire). Skipped when the file is absent; it is reference
 * data and is never copied into the repository. The expected figures were counted independently with Python's
 * {@code json} and {@code ipaddress} modules.
 */
class RealServiceTagsFileTest {
    private static final String FILE = "servicetags/ServiceTags_Public_20251028.json";
    private static final String ACR_EAST_US = "AzureContainerRegistry.EastUS";

    private static Path path;
    private static ServiceTagsFile file;
    private static CidrSet all;

    @BeforeAll
    static void load() throws IOException {
        path = Path.of(System.getProperty("acrproxy.fixtures", "../../shared/fixtures")).resolve(FILE).toAbsolutePath().normalize();
        if (!Files.isRegularFile(path)) {
            return;
        }
        long start = System.nanoTime();
        file = ServiceTagsParser.parse(path);
        long parsed = System.nanoTime();
        CidrSet.Builder builder = CidrSet.builder();
        for (ServiceTag tag : file.tags().values()) {
            for (Cidr prefix : tag.addressPrefixes()) {
                builder.add(prefix, tag.name());
            }
        }
        all = builder.build();
        long built = System.nanoTime();
        System.out.printf("%s: parsed in %d ms, CidrSet of all prefixes built in %d ms (first run, cold JVM): %s%n",
                path.getFileName(), (parsed - start) / 1_000_000, (built - parsed) / 1_000_000, all);
    }

    @BeforeEach
    void requireTheReferenceFile() {
        assumeTrue(file != null, "reference file absent: " + path);
    }

    @Test
    void matchesTheIndependentlyCountedSummary() {
        assertThat(file.changeNumber()).isEqualTo(375);
        assertThat(file.cloud()).isEqualTo("Public");
        assertThat(file.tags()).hasSize(3_039);
        assertThat(file.prefixCount()).isEqualTo(93_362);
        long v4 = file.tags().values().stream().flatMap(t -> t.addressPrefixes().stream()).filter(Cidr::isIpv4).count();
        assertThat(v4).isEqualTo(68_933);
        assertThat(file.prefixCount() - v4).isEqualTo(24_429);
        assertThat(all.size()).isEqualTo(52_340);
        assertThat(file.tags().get(ACR_EAST_US).addressPrefixes()).hasSize(22);
    }

    @ParameterizedTest(name = "{0}: in {1} = {2}, most specific tag of the file: {3}")
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
            20.42.66.10            | AzureContainerRegistry.EastUS | true  | AzureContainerRegistry.EastUS
            20.42.66.0             | AzureContainerRegistry.EastUS | true  | AzureContainerRegistry.EastUS
            20.42.67.255           | AzureContainerRegistry.EastUS | true  | AzureContainerRegistry.EastUS
            40.71.10.217           | AzureContainerRegistry.EastUS | true  | AzureContainerRegistry
            2603:1030:210:802::401 | AzureContainerRegistry.EastUS | true  | AzureContainerRegistry
            20.42.65.255           | AzureContainerRegistry.EastUS | false | AzureMonitor
            20.42.65.1             | AzureContainerRegistry.EastUS | false | ServiceBus
            2603:1030:210:802::300 | AzureContainerRegistry.EastUS | false | AzureCloud.eastus
            8.8.8.8                | AzureContainerRegistry.EastUS | false | null
            2001:db8::1            | AzureContainerRegistry.EastUS | false | null
            """)
    void looksUpKnownAddresses(String address, String tag, boolean inTag, String mostSpecific) {
        InetAddress a = IpAddresses.parse(address);
        ServiceTagSelection selection = file.select(List.of(tag));
        assertThat(selection.set().lookup(a)).isEqualTo(inTag ? tag : null);
        assertThat(all.lookup(a)).isEqualTo(mostSpecific);
    }

    @Test
    void agreesWithALinearScanOverTheRealPrefixes() {
        List<Cidr> prefixes = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        file.tags().values().forEach(t -> t.addressPrefixes().forEach(p -> {
            prefixes.add(p);
            labels.add(t.name());
        }));
        Random random = new Random(375);
        for (int i = 0; i < 300; i++) {
            Cidr around = prefixes.get(random.nextInt(prefixes.size()));
            byte[] address = around.network().getAddress();
            address[address.length - 1] ^= (byte) random.nextInt(256);
            address[address.length - 2 - random.nextInt(2)] ^= (byte) random.nextInt(4);
            String expected = null;
            int bestLength = -1;
            for (int p = 0; p < prefixes.size(); p++) {
                if (prefixes.get(p).prefixLength() > bestLength && prefixes.get(p).contains(address)) {
                    expected = labels.get(p);
                    bestLength = prefixes.get(p).prefixLength();
                }
            }
            assertThat(all.lookup(address)).as(IpAddresses.toText(address)).isEqualTo(expected);
        }
    }
}
