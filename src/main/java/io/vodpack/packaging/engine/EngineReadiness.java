package io.vodpack.packaging.engine;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;
import io.vodpack.core.async.Async;
import io.vodpack.core.config.VodpackConfig;

/**
 * Readiness is DOWN, with the reason, while the configured engine's executables are missing. The engine's version,
 * shown in the check's data, is read once by running the engine on a worker thread after start-up, so that the
 * process start never delays readiness.
 */
@Readiness
@ApplicationScoped
public class EngineReadiness implements HealthCheck {

    private static final Logger LOG = Logger.getLogger(EngineReadiness.class);

    private final Packager engine;
    private volatile String version = "unknown";

    public EngineReadiness(VodpackConfig config, Instance<Packager> engines) {
        String name = config.packaging().engine();
        this.engine = engines.stream().filter(e -> e.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("vodpack.packaging.engine must be shaka or bento4, not '" + name + "'"));
    }

    void onStart(@Observes StartupEvent event, Async async) {
        Optional<String> missing = missingExecutable();
        if (missing.isPresent()) {
            LOG.errorf("Packaging engine '%s' is not usable: %s", engine.name(), missing.get());
            return;
        }
        // Worker thread: a process start and its wait are blocking work, and nothing at start-up needs the version.
        async.blocking(this::readVersion).subscribe().with(done -> {
        });
    }

    /** Blocking: runs the engine's version command (at most 10 s) and keeps the line that names the version. */
    private void readVersion() {
        try {
            Path output = Files.createTempFile("vodpack-engine-version", ".txt");
            try {
                Process p = new ProcessBuilder(engine.versionCommand()).redirectErrorStream(true)
                        .redirectOutput(output.toFile()).start();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    EngineProcess.killTree(p);
                }
                String out = Files.readString(output, StandardCharsets.ISO_8859_1).strip();
                version = out.lines().filter(l -> l.toLowerCase(Locale.ROOT).contains("version")).findFirst()
                        .orElse(out.lines().findFirst().orElse("unknown")).strip();
            } finally {
                Files.deleteIfExists(output);
            }
            LOG.infof("Packaging engine '%s': %s", engine.name(), version);
        } catch (Exception e) {
            LOG.warnf("Cannot read the version of engine '%s': %s", engine.name(), e.getMessage());
        }
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder builder = HealthCheckResponse.named("packaging-engine").withData("engine", engine.name());
        Optional<String> missing = missingExecutable();
        if (missing.isPresent()) {
            return builder.down().withData("reason", missing.get()).build();
        }
        return builder.up().withData("version", version).build();
    }

    private Optional<String> missingExecutable() {
        for (String executable : engine.executables()) {
            if (resolve(executable).isEmpty()) {
                return Optional.of("executable '" + executable + "' not found or not executable");
            }
        }
        return Optional.empty();
    }

    /** Finds an executable given as a path, or by name on the PATH. */
    public static Optional<Path> resolve(String executable) {
        if (executable.contains("/")) {
            Path p = Path.of(executable);
            return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, executable);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
