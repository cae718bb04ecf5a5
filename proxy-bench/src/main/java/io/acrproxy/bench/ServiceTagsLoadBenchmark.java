package io.acrproxy.bench;

import io.acrproxy.policy.net.CidrSet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Start-up and refresh cost of service tags: stream-parse the whole 4 MB public file and build the
 * {@link CidrSet} of all its prefixes. Single shot, because it happens once per refresh, not in a hot loop;
 * the warm-up iterations show the cold cost, the measured ones the cost once the JIT has compiled the parser.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3)
@Measurement(iterations = 10)
public class ServiceTagsLoadBenchmark {
    private Path file;

    @Setup
    public void locate() {
        file = ServiceTagsFixture.path();
    }

    @Benchmark
    public CidrSet parseAndBuild() throws IOException {
        return ServiceTagsFixture.loadAll(file);
    }
}
