package io.vodpack.support;

import static io.restassured.RestAssured.given;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;

/**
 * The packaged service ({@code target/quarkus-app/quarkus-run.jar}) running as a separate JVM, for tests that need a
 * real second replica or a JVM they can pause or kill. Every instance of one test shares the database schema and the
 * storage root it is given, as replicas share them in production.
 */
public final class ServiceProcess implements AutoCloseable {

    public static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath();

    private final Process process;
    private final int port;
    private final int managementPort;

    private ServiceProcess(Process process, int port, int managementPort) {
        this.process = process;
        this.port = port;
        this.managementPort = managementPort;
    }

    /** Starts an instance with {@code properties} on a free port and waits until it answers. */
    public static ServiceProcess start(String name, Path storageRoot, Map<String, String> properties) throws IOException {
        return start(name, storageRoot, properties, Map.of());
    }

    /** As {@link #start(String, Path, Map)}, with {@code environment} added to the JVM's environment (credentials). */
    public static ServiceProcess start(String name, Path storageRoot, Map<String, String> properties,
            Map<String, String> environment) throws IOException {
        int port = freePort();
        int managementPort = freePort();
        // Health is on the management port in the packaged service; the test profile's admin key opens the API.
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Dquarkus.http.port=" + port, "-Dquarkus.management.port=" + managementPort,
                "-Dvodpack.storage.root=" + storageRoot, "-Dvodpack.security.admin-api-key=" + Api.ADMIN_KEY));
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(List.of("-jar", JAR.toString()));
        Path log = Path.of("target", name + ".log").toAbsolutePath();
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        builder.environment().putAll(environment);
        Process process = builder.start();
        ServiceProcess service = new ServiceProcess(process, port, managementPort);
        try {
            Awaitility.await(name + " answers (log: " + log + ")").atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(300)).until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException(name + " exited: " + Files.readString(log));
                        }
                        try {
                            return given().get("http://127.0.0.1:" + managementPort + "/q/health/ready").statusCode() == 200;
                        } catch (Exception e) {
                            // Not listening yet (RestAssured throws the checked ConnectException unchecked).
                            return false;
                        }
                    });
        } catch (Throwable e) {
            // Never leave a started JVM behind: it would keep claiming jobs from the shared schema.
            service.close();
            throw e;
        }
        return service;
    }

    public long pid() {
        return process.pid();
    }

    public Process process() {
        return process;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    /** Sends {@code signal} (STOP, CONT, KILL) to this JVM and, with {@code withChildren}, to every process it started. */
    public void signal(String signal, boolean withChildren) throws Exception {
        List<String> pids = new ArrayList<>(List.of(Long.toString(pid())));
        if (withChildren) {
            process.descendants().forEach(p -> pids.add(Long.toString(p.pid())));
        }
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
        command.addAll(pids);
        try {
            StreamCheck.run(command);
        } catch (IllegalStateException e) {
            // a child that exited between the listing and the signal needs none; the others were signalled
            String output = e.getMessage().substring(e.getMessage().indexOf(" failed: ") + " failed: ".length());
            boolean onlyGone = output.lines().filter(line -> !line.isBlank()).allMatch(line -> line.contains("No such process"))
                    && output.contains("No such process");
            if (!onlyGone) {
                throw e;
            }
        }
    }

    /** A JDBC connection to the database the instances share (DB_NAME, schema {@code schema}). */
    public static Connection database(String schema) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + System.getenv().getOrDefault("DB_HOST", "localhost") + ":"
                + System.getenv().getOrDefault("DB_PORT", "5432") + "/" + System.getenv().getOrDefault("DB_NAME", "postgres")
                + "?currentSchema=" + schema, System.getenv().getOrDefault("DB_USER", "postgres"),
                System.getenv().getOrDefault("DB_PASSWORD", ""));
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
