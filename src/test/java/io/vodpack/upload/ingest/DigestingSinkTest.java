package io.vodpack.upload.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.streams.WriteStream;

/**
 * The write side of both upload paths on real files: bytes and SHA-256 equal to the body, memory bounded behind a
 * slow disk, a failed write ends the body, the limit holds.
 */
class DigestingSinkTest {

    private static final int CHUNK = 64 * 1024;

    private static Vertx vertx;
    private static WorkerExecutor io;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        io = vertx.createSharedWorkerExecutor("test-upload-io", 4);
    }

    @AfterAll
    static void stop() throws Exception {
        io.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void storesTheBodyAndItsSha256WhenChunksArriveFasterThanTheDiskTakesThem() throws Exception {
        Path source = randomFile(48 << 20);
        Path stored = dir.resolve("stored.part");
        MessageDigest sha256 = Digests.sha256();
        AtomicLong mostPending = new AtomicLong();
        // a disk slower than the reads: every gathered write takes 5 ms more
        BodyTarget slow = new SlowTarget(FileTarget.create(stored), 5);
        DigestingSink sink = new DigestingSink(io, slow, Long.MAX_VALUE, List.of(sha256));

        AsyncResult<Void> result = pipe(source, new Watched(sink, mostPending));

        assertThat(result.succeeded()).as("%s", result.cause()).isTrue();
        assertThat(Files.mismatch(source, stored)).isEqualTo(-1L);
        assertThat(sha256.digest()).isEqualTo(Digests.sha256().digest(Files.readAllBytes(source)));
        assertThat(sink.written()).isEqualTo(Files.size(source));
        assertThat(sink.landed()).isEqualTo(Files.size(source));
        // back-pressure: what waits for the disk never exceeds the high-water mark by more than one chunk
        assertThat(mostPending.get()).isGreaterThan(0).isLessThanOrEqualTo(DigestingSink.HIGH_WATER + CHUNK);
    }

    @Test
    void aFailedWriteEndsTheBodyAndNothingAfterItReachesTheDisk() throws Exception {
        Path source = randomFile(16 << 20);
        Path stored = dir.resolve("full.part");
        AtomicInteger appends = new AtomicInteger();
        AtomicBoolean closed = new AtomicBoolean();
        FileTarget file = FileTarget.create(stored);
        BodyTarget fillsUp = new BodyTarget() {
            @Override
            public void append(ByteBuffer[] chunks) throws IOException {
                if (appends.incrementAndGet() == 3) {
                    throw new IOException("No space left on device");
                }
                file.append(chunks);
            }

            @Override
            public void close() throws IOException {
                closed.set(true);
                file.close();
            }
        };
        DigestingSink sink = new DigestingSink(io, new SlowTarget(fillsUp, 2), Long.MAX_VALUE, List.of(Digests.sha256()));

        AsyncResult<Void> result = pipe(source, sink);

        assertThat(result.failed()).isTrue();
        assertThat(result.cause()).hasMessageContaining("No space left on device");
        assertThat(appends.get()).isEqualTo(3);
        assertThat(closed.get()).as("target closed after the failure").isTrue();
        assertThat(Files.size(stored)).isEqualTo(sink.landed()).isLessThan(Files.size(source));
    }

    @Test
    void refusesTheChunkThatWouldCrossTheLimit() throws Exception {
        Path source = randomFile(4 << 20);
        Path stored = dir.resolve("limited.part");
        long limit = (1 << 20) + 100;
        DigestingSink sink = new DigestingSink(io, FileTarget.create(stored), limit, List.of(Digests.sha256()));

        AsyncResult<Void> result = pipe(source, sink);

        assertThat(result.failed()).isTrue();
        assertThat(sink.limitExceeded()).isTrue();
        assertThat(sink.written()).isLessThanOrEqualTo(limit);
        assertThat(Files.size(stored)).isEqualTo(sink.written());
        assertThat(Files.readAllBytes(stored)).isEqualTo(Arrays.copyOf(Files.readAllBytes(source), (int) sink.written()));
    }

    @Test
    void bytesOfAStalledBodyReachTheDiskWithoutWaitingForMore() throws Exception {
        Path stored = dir.resolve("stalled.part");
        byte[] head = new byte[100_000];
        new Random(7).nextBytes(head);
        DigestingSink sink = new DigestingSink(io, FileTarget.create(stored), Long.MAX_VALUE, List.of(Digests.sha256()));
        // less than a batch, then nothing more: a client that stalls mid-body
        vertx.runOnContext(v -> sink.write(Buffer.buffer(head)));

        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> Files.size(stored) == head.length);
        assertThat(Files.readAllBytes(stored)).isEqualTo(head);
        CompletableFuture<Long> landed = new CompletableFuture<>();
        vertx.runOnContext(v -> sink.land().onSuccess(landed::complete));
        assertThat(landed.get(10, TimeUnit.SECONDS)).isEqualTo(head.length);
        CompletableFuture<Void> ended = new CompletableFuture<>();
        vertx.runOnContext(v -> sink.end().onComplete(r -> ended.complete(null)));
        ended.get(10, TimeUnit.SECONDS);
    }

    private Path randomFile(int size) throws IOException {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        Path file = dir.resolve("source-" + size);
        Files.write(file, bytes);
        return file;
    }

    /** Pipes {@code source}, read in 64 KiB chunks on an event loop, into {@code sink}; waits for the outcome. */
    private static AsyncResult<Void> pipe(Path source, WriteStream<Buffer> sink) throws Exception {
        CompletableFuture<AsyncResult<Void>> done = new CompletableFuture<>();
        vertx.runOnContext(v -> vertx.fileSystem().open(source.toString(), new OpenOptions().setRead(true))
                .onSuccess(file -> file.setReadBufferSize(CHUNK).pipeTo(sink).onComplete(done::complete))
                .onFailure(failure -> done.complete(Future.failedFuture(failure))));
        return done.get(60, TimeUnit.SECONDS);
    }

    /** A target that takes {@code millis} longer for every append: a slow disk. */
    private record SlowTarget(BodyTarget target, long millis) implements BodyTarget {
        @Override
        public void append(ByteBuffer[] chunks) throws IOException {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            target.append(chunks);
        }

        @Override
        public void close() throws IOException {
            target.close();
        }
    }

    /** Records the most bytes accepted but not yet written, at every chunk the body brings. */
    private record Watched(DigestingSink sink, AtomicLong mostPending) implements WriteStream<Buffer> {
        @Override
        public void write(Buffer data, Handler<AsyncResult<Void>> handler) {
            sink.write(data, handler);
            mostPending.accumulateAndGet(sink.written() - sink.landed(), Math::max);
        }

        @Override
        public Future<Void> write(Buffer data) {
            Future<Void> written = sink.write(data);
            mostPending.accumulateAndGet(sink.written() - sink.landed(), Math::max);
            return written;
        }

        @Override
        public void end(Handler<AsyncResult<Void>> handler) {
            sink.end(handler);
        }

        @Override
        public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
            sink.exceptionHandler(handler);
            return this;
        }

        @Override
        public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
            return this;
        }

        @Override
        public boolean writeQueueFull() {
            return sink.writeQueueFull();
        }

        @Override
        public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
            sink.drainHandler(handler);
            return this;
        }
    }
}
