package io.vodpack.upload.ingest;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.CompletionException;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vodpack.core.async.Async;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.storage.ContentStore;
import io.vodpack.core.storage.ObjectParts;
import io.vodpack.core.storage.StorageUnavailableException;
import io.vodpack.upload.InputContent;
import io.vodpack.upload.InputContentRepository;
import io.vodpack.upload.media.MediaInfo;
import io.vodpack.upload.media.Mp4Inspector;

/**
 * The store step shared by both upload paths: validates a complete file and records it as an input. The MP4
 * check runs on a worker thread, then the file is kept under a server-chosen name ({@link ContentStore}: fsynced and
 * renamed, or uploaded to the bucket), then the row is inserted, so a row always describes a complete, validated, durable file. Callers run it
 * {@link Async#detached detached}, so that a client going away cannot stop it halfway.
 */
@ApplicationScoped
public class InputStore {

    private static final Logger LOG = Logger.getLogger(InputStore.class);

    private final Vertx vertx;
    private final Async async;
    private final ContentStore inputs;
    private final InputContentRepository repository;
    private final UploadMetrics metrics;

    public InputStore(Vertx vertx, Async async, ContentStore inputs, InputContentRepository repository,
            UploadMetrics metrics) {
        this.vertx = vertx;
        this.async = async;
        this.inputs = inputs;
        this.repository = repository;
        this.metrics = metrics;
    }

    /**
     * Validates and records {@code received}. Fails with the validation problem (the file deleted), or with the
     * database's failure or a {@link StorageUnavailableException}: then the file is back where it was received, so that the caller may try again (a
     * resumable upload) or delete it (a single request).
     */
    public Uni<InputContent> store(ReceivedFile received) {
        Path file = received.file();
        String storageName = UUID.randomUUID() + ".mp4";
        // worker thread: reads the box headers, then keeps the input durably under its final name before the row
        // points to it (a 201 must survive a crash): fsync and rename, or the upload to the bucket
        return async.blocking(() -> Mp4Inspector.inspect(file))
                .onFailure().call(failure -> {
                    metrics.ended(failure);
                    return discard(file, storageName);
                })
                .call(media -> keep(file, storageName))
                .map(media -> toEntity(received, media, storageName))
                .flatMap(entity -> Panache.withTransaction(() -> repository.persist(entity))
                        .onFailure().call(failure -> {
                            metrics.databaseFailed();
                            LOG.warnf("Input row for %s not written (%s); the file goes back to %s", storageName,
                                    failure.getMessage(), file.getFileName());
                            return async.blocking(() -> inputs.inputNotRecorded(file, storageName));
                        }))
                .call(entity -> async.blocking(() -> inputs.inputRecorded(file, storageName))
                        // a local copy left behind is the upload sweeper's; the input itself is stored
                        .onFailure().recoverWithNull())
                .invoke(entity -> {
                    metrics.accepted();
                    LOG.infof("Stored input %d (%d bytes, %s/%s, %dx%d)", entity.id, entity.sizeBytes, entity.videoCodec,
                            entity.audioCodec, entity.width, entity.height);
                });
    }

    /**
     * Validates and records an upload already written to the bucket ({@link ContentStore#objectParts()}): the MP4
     * check reads the object by ranges (each top-level box header and the {@code moov} box, wherever it lies), then
     * the row is inserted. An invalid file's object is deleted (the validation problem is the failure); when the
     * row cannot be written the object stays, and the failure is the database's: the caller deletes it or retries.
     */
    public Uni<InputContent> store(ReceivedObject received) {
        ObjectParts objects = inputs.objectParts().orElseThrow();
        String key = ObjectParts.inputKey(received.name());
        // worker thread: ranged GETs of the box headers and the moov box
        return async.blocking(() -> Mp4Inspector.inspect(ranges(objects, key, received.size())))
                .onFailure().invoke(metrics::ended)
                // an invalid file's object goes; one the storage could not give back stays for a retry
                .onFailure(ProblemException.class).call(failure -> {
                    return Async.stage(() -> objects.delete(key))
                            .onFailure().invoke(e -> LOG.warnf("Input %s not removed (%s); the sweeper will",
                                    received.name(), e.getMessage()))
                            .onFailure().recoverWithNull();
                })
                .map(media -> toEntity(received.size(), received.sha256(), received.filename(), received.contentType(),
                        received.owner(), media, received.name()))
                .flatMap(entity -> Panache.withTransaction(() -> repository.persist(entity))
                        .onFailure().invoke(failure -> {
                            metrics.databaseFailed();
                            LOG.warnf("Input row for %s not written (%s)", received.name(), failure.getMessage());
                        }))
                .invoke(entity -> {
                    metrics.accepted();
                    LOG.infof("Stored input %d (%d bytes, %s/%s, %dx%d)", entity.id, entity.sizeBytes, entity.videoCodec,
                            entity.audioCodec, entity.width, entity.height);
                });
    }

    /** The object {@code key} of {@code size} bytes as the inspector's random access: one ranged GET per read. */
    private static Mp4Inspector.Source ranges(ObjectParts objects, String key, long size) {
        return new Mp4Inspector.Source() {
            @Override
            public long size() {
                return size;
            }

            @Override
            public ByteBuffer read(long position, int length) {
                try {
                    return objects.read(key, position, length).join();
                } catch (CompletionException e) {
                    throw e.getCause() instanceof RuntimeException r ? r : e;
                }
            }
        };
    }

    private static InputContent toEntity(ReceivedFile received, MediaInfo media, String storageName) {
        return toEntity(received.size(), received.sha256(), received.filename(), received.contentType(), received.owner(),
                media, storageName);
    }

    private static InputContent toEntity(long size, byte[] sha256, String filename, String contentType, String owner,
            MediaInfo media, String storageName) {
        InputContent entity = new InputContent();
        entity.status = InputContent.Status.READY;
        entity.storageName = storageName;
        entity.originalFilename = FileNames.sanitize(filename);
        entity.contentType = contentType;
        entity.sizeBytes = size;
        entity.sha256 = HexFormat.of().formatHex(sha256);
        entity.videoCodec = media.videoCodec();
        entity.audioCodec = media.audioCodec();
        entity.width = media.width();
        entity.height = media.height();
        entity.durationMillis = media.durationMillis();
        entity.createdAt = OffsetDateTime.now(ZoneOffset.UTC);
        entity.owner = owner;
        return entity;
    }

    /**
     * Worker thread: keeps the validated file as the input. When the store fails (a bucket out of reach), whatever
     * reached it is removed and the file stays where it was received, as after a database failure.
     */
    private Uni<Void> keep(Path file, String storageName) {
        return async.blocking(() -> inputs.keepInput(file, storageName))
                .onFailure().call(failure -> {
                    metrics.ended(failure);
                    LOG.warnf("Input %s not kept (%s); the file stays at %s", storageName, failure.getMessage(),
                            file.getFileName());
                    return async.blocking(() -> inputs.deleteInput(storageName)).onFailure().recoverWithNull();
                })
                .onFailure(e -> !inputs.inputsAreLocal()).transform(failure -> new StorageUnavailableException(
                        "the storage did not take the input: " + failure.getMessage(), failure));
    }

    /** Removes the partial file and the kept input of a failed upload; both may be missing. */
    private Uni<Void> discard(Path part, String storageName) {
        return Async.await(vertx.fileSystem().delete(part.toString()).otherwiseEmpty().mapEmpty())
                .chain(() -> async.blocking(() -> inputs.deleteInput(storageName)))
                .onFailure().invoke(e -> LOG.warnf("Input %s not removed (%s); the sweeper will", storageName, e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }
}
