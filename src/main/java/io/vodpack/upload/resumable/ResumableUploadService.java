package io.vodpack.upload.tus;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.upload.DigestingFileSink;
import io.vodpack.upload.UploadService;

/**
 * Resumable uploads (tus 1.0): creation, PATCH at the server's offset, termination, expiry. PATCH bodies go
 * through {@link UploadService#pipeBody} like single-request uploads; the finished file goes through
 * {@link UploadService#store}, so it becomes an input exactly as they do.
 */
@ApplicationScoped
public class TusService {

    private static final Logger LOG = Logger.getLogger(TusService.class);
    private static final Duration LOCK_TTL = Duration.ofMinutes(2);

    private final UploadSessionRepository sessions;
    private final UploadService uploads;
    private final ContentStorage storage;
    private final VodpackConfig config;
    private final Vertx vertx;
    /** The running SHA-256 of each upload this instance wrote to, valid at the recorded offset. */
    private final Map<String, RunningDigest> digests = new ConcurrentHashMap<>();

    public TusService(UploadSessionRepository sessions, UploadService uploads, ContentStorage storage,
            VodpackConfig config, Vertx vertx) {
        this.sessions = sessions;
        this.uploads = uploads;
        this.storage = storage;
        this.config = config;
        this.vertx = vertx;
    }

    private record RunningDigest(long offset, MessageDigest sha256) {
    }

    /** A chunk checksum the client sent in Upload-Checksum. */
    public record ChunkChecksum(String algorithm, byte[] expected) {
    }

    /** The upload after a PATCH: its new offset, and the input it became once complete. */
    public record Patched(UploadSession session, ProblemException failure) {
    }

    public long maxSize() {
        return config.upload().maxSize();
    }

    public Uni<UploadSession> create(long length, String metadataHeader) {
        if (length <= 0) {
            throw ProblemException.badRequest("empty-body", "Upload-Length must be at least 1: send an MP4 file.");
        }
        if (length > maxSize()) {
            throw new ProblemException(413, "upload-too-large", "Payload too large",
                    "Upload-Length " + length + " exceeds the limit of " + maxSize() + " bytes.");
        }
        long free = storage.usableSpace();
        if (free < config.upload().minFreeSpace() + length) {
            throw UploadService.insufficientStorage("The service has " + free + " bytes free; this upload needs " + length + " plus a reserve of "
                            + config.upload().minFreeSpace() + ".");
        }
        Map<String, String> metadata = TusMetadata.parse(metadataHeader);
        UploadSession session = new UploadSession();
        session.id = UUID.randomUUID().toString();
        session.status = UploadSession.Status.UPLOADING;
        session.length = length;
        session.offset = 0;
        session.metadata = metadataHeader;
        session.filename = metadata.get("filename");
        session.filetype = metadata.get("filetype");
        session.createdAt = OffsetDateTime.now(ZoneOffset.UTC);
        session.expiresAt = session.createdAt.plus(config.upload().resumableExpireAfter());
        Future<Void> file = vertx.fileSystem().createFile(storage.resumableFile(session.id).toString());
        return Uni.createFrom().completionStage(file.toCompletionStage())
                .flatMap(v -> Panache.withTransaction(() -> sessions.persist(session)));
    }

    public Uni<UploadSession> get(String id) {
        return Panache.withSession(() -> sessions.findById(id))
                .map(session -> requireLive(id, session, OffsetDateTime.now(ZoneOffset.UTC)));
    }

    /**
     * Appends the (paused) request body at {@code offset}. The work runs to its end even when the client
     * goes away, so that the bytes that arrived are kept and the write lock is released.
     */
    public Uni<Patched> patch(HttpServerRequest request, String id, long offset, ChunkChecksum checksum) {
        String owner = UUID.randomUUID().toString();
        CompletableFuture<Patched> work = lock(id, owner, offset)
                .flatMap(session -> append(request, session, owner, checksum))
                .subscribeAsCompletionStage();
        // Hand the caller a copy: cancelling it (client gone) must not cancel the work.
        CompletableFuture<Patched> answer = new CompletableFuture<>();
        work.whenComplete((patched, failure) -> {
            if (failure != null) {
                answer.completeExceptionally(failure);
            } else {
                answer.complete(patched);
            }
        });
        return Uni.createFrom().completionStage(answer);
    }

    private Uni<UploadSession> lock(String id, String owner, long offset) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        return Panache.withTransaction(() -> sessions.lock(id, owner, now.plus(LOCK_TTL), now)
                .flatMap(locked -> sessions.findById(id).map(found -> {
                    UploadSession session = requireLive(id, found, now);
                    if (!locked) {
                        throw new ProblemException(423, "upload-locked", "Locked",
                                "Another request is writing to upload " + id + "; retry when it has finished.");
                    }
                    if (session.status != UploadSession.Status.UPLOADING || session.offset != offset) {
                        session.lockOwner = null;
                        session.lockedUntil = null;
                        throw new ProblemException(409, "offset-mismatch", "Conflict", "Upload-Offset is " + offset
                                + " but the upload has " + session.offset + " of " + session.length + " bytes"
                                + (session.status == UploadSession.Status.UPLOADING ? "; continue from there (HEAD tells the offset)."
                                        : " and is " + session.status + "."));
                    }
                    return session;
                })));
    }

    /** The session, unless it is unknown or an unfinished upload past its expiry: then 404. */
    private static UploadSession requireLive(String id, UploadSession session, OffsetDateTime now) {
        if (session == null || (session.status == UploadSession.Status.UPLOADING && session.expiresAt.isBefore(now))) {
            throw ProblemException.notFound("No resumable upload " + id + " (unknown, terminated or expired).");
        }
        return session;
    }

    private Uni<Patched> append(HttpServerRequest request, UploadSession session, String owner, ChunkChecksum checksum) {
        Path file = storage.resumableFile(session.id);
        long offset = session.offset;
        long timer = vertx.setPeriodic(LOCK_TTL.toMillis() / 4, t -> Panache.withTransaction(() -> sessions.renewLock(session.id,
                owner, OffsetDateTime.now(ZoneOffset.UTC).plus(LOCK_TTL))).subscribe().with(ok -> { }, e -> { }));
        MessageDigest chunk = checksum == null ? null : digestFor(checksum.algorithm());
        Future<Long> written = runningDigest(session.id, file, offset).compose(base -> {
            MessageDigest running = clone(base);
            return vertx.fileSystem().open(file.toString(), new OpenOptions().setWrite(true).setCreate(false).setTruncateExisting(false))
                    .compose(handle -> {
                        handle.setWritePos(offset);
                        List<MessageDigest> all = new ArrayList<>(List.of(running));
                        if (chunk != null) {
                            all.add(chunk);
                        }
                        DigestingFileSink sink = new DigestingFileSink(handle, session.length - offset, all);
                        return uploads.pipeBody(request, sink)
                                .transform(result -> settle(session.id, file, offset, base, running, sink, chunk, checksum, result));
                    });
        });
        return Uni.createFrom().completionStage(written.toCompletionStage())
                .onTermination().invoke(() -> vertx.cancelTimer(timer))
                .onFailure().call(failure -> release(session, owner))
                .flatMap(newOffset -> record(session, owner, newOffset));
    }

    /**
     * Decides which bytes of the PATCH count: all that arrived, unless a chunk checksum was sent and cannot be
     * confirmed (mismatch or the body ended early), or the body overran Upload-Length; then the file is cut
     * back to where the PATCH started. Returns the new offset, or fails with the problem to report.
     */
    private Future<Long> settle(String id, Path file, long offset, MessageDigest base, MessageDigest running,
            DigestingFileSink sink, MessageDigest chunk, ChunkChecksum checksum, io.vertx.core.AsyncResult<Long> result) {
        boolean checksumOk = checksum == null || (result.succeeded() && MessageDigest.isEqual(chunk.digest(), checksum.expected()));
        boolean keep = checksumOk && !sink.limitExceeded();
        if (keep) {
            long newOffset = offset + sink.written();
            digests.put(id, new RunningDigest(newOffset, running));
            return Future.succeededFuture(newOffset);
        }
        digests.put(id, new RunningDigest(offset, base));
        ProblemException problem;
        if (sink.limitExceeded()) {
            problem = new ProblemException(413, "upload-too-large", "Payload too large",
                    "The PATCH body goes past Upload-Length; its bytes were discarded.");
        } else if (result.failed()) {
            problem = result.cause() instanceof ProblemException p ? p : ProblemException.badRequest("upload-aborted",
                    "The body ended early; with Upload-Checksum the chunk cannot be verified and was discarded.");
        } else {
            problem = new ProblemException(460, "checksum-mismatch", "Checksum mismatch",
                    "The chunk's " + checksum.algorithm() + " does not match Upload-Checksum; its bytes were discarded.");
        }
        return vertx.executeBlocking(() -> {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(offset);
            }
            return null;
        }, false).compose(v -> Future.failedFuture(problem));
    }

    private Uni<Patched> record(UploadSession session, String owner, long newOffset) {
        OffsetDateTime expires = OffsetDateTime.now(ZoneOffset.UTC).plus(config.upload().resumableExpireAfter());
        session.offset = newOffset;
        session.expiresAt = expires;
        Uni<Integer> saved = Panache.withTransaction(() -> sessions.advance(session.id, owner, newOffset, expires));
        if (newOffset < session.length) {
            return saved.map(n -> new Patched(session, null));
        }
        // The last byte arrived: validate and store it like any upload.
        RunningDigest digest = digests.remove(session.id);
        byte[] sha256 = digest.sha256().digest();
        return saved.flatMap(n -> uploads.store(storage.resumableFile(session.id), session.length, sha256,
                session.filename, session.filetype != null ? session.filetype : "video/mp4"))
                .flatMap(input -> Panache.withTransaction(() -> sessions.update(
                        "status = ?1, inputContentId = ?2 where id = ?3", UploadSession.Status.COMPLETE, input.id, session.id))
                        .map(n -> {
                            session.status = UploadSession.Status.COMPLETE;
                            session.inputContentId = input.id;
                            LOG.infof("Resumable upload %s became input %d", session.id, input.id);
                            return new Patched(session, null);
                        }))
                .onFailure(ProblemException.class).recoverWithUni(failure -> {
                    ProblemException problem = (ProblemException) failure;
                    return Panache.withTransaction(() -> sessions.update(
                            "status = ?1, errorStatus = ?2, errorDetail = ?3 where id = ?4", UploadSession.Status.FAILED,
                            problem.status(), problem.getMessage(), session.id))
                            .map(n -> {
                                session.status = UploadSession.Status.FAILED;
                                session.errorStatus = problem.status();
                                session.errorDetail = problem.getMessage();
                                return new Patched(session, problem);
                            });
                });
    }

    private Uni<Void> release(UploadSession session, String owner) {
        OffsetDateTime expires = OffsetDateTime.now(ZoneOffset.UTC).plus(config.upload().resumableExpireAfter());
        RunningDigest digest = digests.get(session.id);
        long offset = digest != null ? digest.offset() : session.offset;
        return Panache.withTransaction(() -> sessions.advance(session.id, owner, offset, expires)).replaceWithVoid()
                .onFailure().recoverWithNull();
    }

    /** The SHA-256 of the bytes before {@code offset}: from memory, or read back from the file after a restart. */
    private Future<MessageDigest> runningDigest(String id, Path file, long offset) {
        RunningDigest known = digests.get(id);
        if (known != null && known.offset() == offset) {
            return Future.succeededFuture(known.sha256());
        }
        // worker thread: this instance did not write the bytes before offset (restart, another replica)
        return vertx.executeBlocking(() -> {
            MessageDigest sha256 = UploadService.sha256();
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buffer = new byte[1 << 16];
                long left = offset;
                while (left > 0) {
                    int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                    if (n < 0) {
                        throw new IOException("the partial file is shorter than the recorded offset " + offset);
                    }
                    sha256.update(buffer, 0, n);
                    left -= n;
                }
            }
            return sha256;
        }, false);
    }

    public Uni<Void> terminate(String id) {
        return Panache.withTransaction(() -> sessions.findById(id)
                .onItem().ifNull().failWith(() -> ProblemException.notFound("No resumable upload " + id + "."))
                .call(session -> sessions.delete(session)))
                .flatMap(session -> {
                    digests.remove(id);
                    return Uni.createFrom().completionStage(vertx.fileSystem().delete(storage.resumableFile(id).toString())
                            .otherwiseEmpty().toCompletionStage());
                })
                .replaceWithVoid();
    }

    /** Removes resumable uploads past Upload-Expires, rows and files. */
    public Uni<Integer> expire() {
        return Panache.withTransaction(() -> sessions.expired(OffsetDateTime.now(ZoneOffset.UTC))
                .call(expired -> expired.isEmpty() ? Uni.createFrom().voidItem()
                        : sessions.delete("id in ?1", expired.stream().map(s -> s.id).toList()).replaceWithVoid()))
                .flatMap(expired -> Uni.createFrom().completionStage(vertx.executeBlocking(() -> {
                    for (UploadSession session : expired) {
                        digests.remove(session.id);
                        Files.deleteIfExists(storage.resumableFile(session.id));
                    }
                    if (!expired.isEmpty()) {
                        LOG.infof("Removed %d expired resumable upload(s)", expired.size());
                    }
                    return expired.size();
                }, false).toCompletionStage()));
    }

    static MessageDigest digestFor(String algorithm) {
        try {
            return MessageDigest.getInstance(switch (algorithm) {
                case "sha1" -> "SHA-1";
                case "sha256" -> "SHA-256";
                default -> throw new ProblemException(400, "checksum-algorithm", "Bad request",
                        "Upload-Checksum algorithm '" + algorithm + "' is not supported; use sha1 or sha256.");
            });
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static MessageDigest clone(MessageDigest digest) {
        try {
            return (MessageDigest) digest.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digests of the JDK can be cloned", e);
        }
    }

    /** Parses {@code Upload-Checksum: <algorithm> <base64>}. */
    public static ChunkChecksum parseChecksum(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String[] parts = header.strip().split("\\s+");
        if (parts.length != 2) {
            throw ProblemException.badRequest("malformed-checksum", "Upload-Checksum must be '<algorithm> <base64 digest>'.");
        }
        digestFor(parts[0]);
        try {
            return new ChunkChecksum(parts[0], Base64.getDecoder().decode(parts[1]));
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("malformed-checksum", "The Upload-Checksum digest is not base64.");
        }
    }
}
