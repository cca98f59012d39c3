package io.vodpack.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A real S3 API server for tests: S3Proxy 2.6.0 (filesystem backend under {@code target/s3proxy/<name>}) as a child
 * process on a free loopback port, from the jar the build copies to {@code target/s3proxy/s3proxy.jar}. It can be
 * stopped and started again on the same port and data, to play an S3 outage. Also lists and reads the bucket the way
 * an operator would, to check what the service left there.
 */
public final class S3Server implements AutoCloseable {

    public static final Path JAR = Path.of("target/s3proxy/s3proxy.jar").toAbsolutePath();
    public static final String ACCESS_KEY = "vodpack-test-access";
    public static final String SECRET_KEY = "vodpack-test-secret-0123456789abcdef";

    private static final Map<String, S3Server> NAMED = new HashMap<>();

    private final Path dir;
    private final int port;
    private Process process;
    private S3AsyncClient client;

    private S3Server(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** The one server the test JVM's s3 profiles share, started on first use and stopped when the JVM exits. */
    public static S3Server shared() {
        return named("shared");
    }

    /**
     * The test JVM's server called {@code name}, started on first use and stopped when the JVM exits: a profile whose
     * tests stop and start their server uses one of its own.
     */
    public static synchronized S3Server named(String name) {
        return NAMED.computeIfAbsent(name, n -> {
            try {
                S3Server server = start(n);
                Runtime.getRuntime().addShutdownHook(new Thread(server::close));
                return server;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /** Starts a server of its own with an empty data folder {@code target/s3proxy/<name>}. */
    public static S3Server start(String name) throws IOException {
        Path dir = Path.of("target", "s3proxy", name).toAbsolutePath();
        io.vodpack.core.storage.ContentStorage.deleteRecursively(dir);
        Files.createDirectories(dir.resolve("data"));
        S3Server server = new S3Server(dir, freePort());
        server.start();
        return server;
    }

    /** Starts (again) on the same port and data folder; returns when it accepts connections. */
    public synchronized void start() throws IOException {
        Path conf = dir.resolve("s3proxy.conf");
        Files.writeString(conf, String.join("\n",
                "s3proxy.endpoint=" + endpoint(),
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS_KEY,
                "s3proxy.credential=" + SECRET_KEY,
                "jclouds.provider=filesystem",
                "jclouds.filesystem.basedir=" + dir.resolve("data"),
                // The shared server takes the SDK's DeleteObjects (its CRC32 header is unknown to S3Proxy); the others
                // refuse it, so the service deletes one object at a time there: both ways are tested.
                "s3proxy.ignore-unknown-headers=" + dir.getFileName().toString().equals("shared"), ""));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", JAR.toString(), "--properties", conf.toString()));
        Path log = dir.resolve("s3proxy.log");
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        Process started = process;
        Awaitility.await("S3Proxy listens (log: " + log + ")").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200)).until(() -> {
                    if (!started.isAlive()) {
                        throw new IllegalStateException("S3Proxy exited: " + Files.readString(log));
                    }
                    try (Socket socket = new Socket()) {
                        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                        return true;
                    } catch (IOException e) {
                        return false;
                    }
                });
    }

    /** Stops the server (SIGKILL): connections drop, the data stays for {@link #start()}. */
    public synchronized void stop() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    /**
     * Freezes the server (SIGSTOP): it still accepts connections (the kernel does) but neither reads nor answers, as
     * a server that hangs; {@link #resume()} lets it go on.
     */
    public synchronized void pause() {
        signal("STOP");
    }

    /** Lets a {@link #pause()}d server go on (SIGCONT). */
    public synchronized void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + name + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Where the server keeps the objects of {@code bucket} as files, with those of PUTs still arriving. */
    public Path files(String bucket) {
        return dir.resolve("data").resolve(bucket);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** Settings that point the service at this server's {@code bucket}; credentials go in separately. */
    public Map<String, String> serviceProperties(String bucket) {
        return Map.of("vodpack.storage.kind", "s3", "vodpack.storage.s3.endpoint", endpoint().toString(),
                "vodpack.storage.s3.bucket", bucket, "vodpack.storage.s3.path-style", "true",
                "vodpack.storage.s3.region", "us-east-1");
    }

    /** Credentials for a service in this JVM (the system properties the SDK reads before the environment). */
    public static void credentialsForThisJvm() {
        System.setProperty("aws.accessKeyId", ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", SECRET_KEY);
    }

    /** Credentials for a service in a child process. */
    public static Map<String, String> credentialsEnvironment() {
        return Map.of("AWS_ACCESS_KEY_ID", ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", SECRET_KEY);
    }

    /** A client of this server, for tests that look into the bucket. */
    public synchronized S3AsyncClient client() {
        if (client == null) {
            client = S3AsyncClient.builder().region(Region.US_EAST_1).endpointOverride(endpoint()).forcePathStyle(true)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED).build();
        }
        return client;
    }

    /** Keys of the objects under {@code prefix} in {@code bucket}. */
    public List<String> keys(String bucket, String prefix) {
        List<String> keys = new ArrayList<>();
        client().listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()
                .subscribe((S3Object o) -> keys.add(o.key())).join();
        return keys;
    }

    /** The bytes of one object. */
    public byte[] bytes(String bucket, String key) {
        return client().getObject(b -> b.bucket(bucket).key(key),
                software.amazon.awssdk.core.async.AsyncResponseTransformer.toBytes()).join().asByteArray();
    }

    /** Multipart uploads still open in {@code bucket}. */
    public int openMultipartUploads(String bucket) {
        return client().listMultipartUploads(b -> b.bucket(bucket)).join().uploads().size();
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
        }
        stop();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
