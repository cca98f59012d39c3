package io.vodpack.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * One instance of the service, started from the packaged jar ({@code target/quarkus-app/quarkus-run.jar}) as a
 * separate JVM on its own port, sharing PostgreSQL with the others: a replica as operators run it. For
 * integration tests (failsafe), which run after the jar is built.
 */
public final class Replica implements AutoCloseable {

    public static final String ADMIN_KEY = "replica-admin-key-00000000000000000000000000";

    private final Process process;
    private final int port;
    private final int management;
    private final Path log;

    private Replica(Process process, int port, int management, Path log) {
        this.process = process;
        this.port = port;
        this.management = management;
        this.log = log;
    }

    /**
     * Starts a replica in schema {@code schema} (emptied first when {@code cleanSchema}) with storage under
     * {@code storage}, and waits until it is ready.
     */
    public static Replica start(String schema, boolean cleanSchema, Path storage, Map<String, String> extraEnvironment)
            throws Exception {
        Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run the integration tests with ./mvnw verify");
        }
        int port = freePort();
        int management = freePort();
        Files.createDirectories(storage);
        Path log = storage.resolve("replica-" + port + ".log");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Dquarkus.flyway.clean-at-start=" + cleanSchema, "-Dquarkus.flyway.clean-disabled=false",
                "-jar", jar.toAbsolutePath().toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.put("PORT", Integer.toString(port));
        env.put("MANAGEMENT_PORT", Integer.toString(management));
        env.put("DB_SCHEMA", schema);
        env.put("STORAGE_ROOT", storage.toAbsolutePath().toString());
        env.put("VODPACK_ADMIN_API_KEY", ADMIN_KEY);
        env.putAll(extraEnvironment);
        Replica replica = new Replica(builder.start(), port, management, log);
        replica.awaitReady(Duration.ofSeconds(90));
        return replica;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    public String base() {
        return "http://localhost:" + port;
    }

    public long pid() {
        return process.pid();
    }

    private void awaitReady(Duration atMost) throws Exception {
        long deadline = System.nanoTime() + atMost.toNanos();
        HttpClient client = HttpClient.newHttpClient();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the replica exited during start-up:\n" + Files.readString(log));
            }
            try {
                HttpResponse<Void> ready = client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + management + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (ready.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the replica was not ready within " + atMost + ":\n" + Files.readString(log));
    }

    /** SIGKILL, as a crash or an OOM killer would. */
    public void kill() {
        process.destroyForcibly();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
