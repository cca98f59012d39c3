package io.vodpack.core.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.reactivestreams.Publisher;

import io.smallrye.mutiny.Uni;

/**
 * Where validated inputs and published streams are kept, chosen by {@code vodpack.storage.kind}: files under the
 * storage root ({@link FilesystemContentStore}, the default) or objects in an S3-compatible bucket
 * ({@link S3ContentStore}). Uploads in progress and packaging work always use local scratch folders
 * ({@link ContentStorage}). Methods marked blocking run on worker or packager threads, never on the event loop.
 */
public interface ContentStore {

    /** Whether inputs are files on this machine (the engine reads them in place) rather than objects to download. */
    boolean inputsAreLocal();

    /** Published streams as files under this folder (served by the static file route); empty: objects, see {@link #stat}. */
    Optional<Path> publishedRoot();

    /**
     * Blocking: keeps the validated, complete {@code file} as input {@code name}. Until {@link #inputRecorded} or
     * {@link #inputNotRecorded}, the input's row is not written.
     */
    void keepInput(Path file, String name) throws IOException;

    /** Blocking: the input's row is committed; {@code file} (where it was received) is no longer needed. */
    void inputRecorded(Path file, String name) throws IOException;

    /** Blocking: the input's row could not be written: its bytes go back to {@code file}, the kept input is gone. */
    void inputNotRecorded(Path file, String name) throws IOException;

    /** Blocking: size in bytes of a kept input; empty when it is missing. */
    Optional<Long> inputSize(String name) throws IOException;

    /**
     * Blocking: the input as a local file the engine can read: the stored file itself, or a copy downloaded into
     * {@code scratch} (which the caller removes).
     */
    Path localInput(String name, Path scratch) throws IOException;

    /** Blocking: deletes a kept input; a missing one is fine. */
    void deleteInput(String name) throws IOException;

    /** Blocking: names of kept inputs last written before {@code cutoff} (the sweeper compares them with the rows). */
    List<String> inputsOlderThan(Instant cutoff) throws IOException;

    /**
     * Blocking: publishes an attempt's finished output folder {@code out} as {@code folder}, every file durable
     * before this returns, the MPD written last. Nothing is served until the job's DONE row names the folder.
     */
    void publish(Path out, String folder) throws IOException;

    /** Blocking: deletes every file of a published folder; a missing one is fine. */
    void deletePublished(String folder) throws IOException;

    /** Blocking: published folders last written before {@code cutoff} (the sweeper asks which are live). */
    List<String> publishedOlderThan(Instant cutoff) throws IOException;

    /**
     * Blocking: keeps a finished rendition of a ladder ({@code file}, in an attempt's scratch folder, fsynced) as
     * {@code name} of ladder {@code ladderId}, where the packaging attempt finds it on any replica. Replaces an earlier
     * one of the same name (a rendition made again after a crash).
     */
    void keepRendition(long ladderId, String name, Path file) throws IOException;

    /**
     * Blocking: a kept rendition as a local file the engine can read: the kept file itself, or a copy downloaded into
     * {@code scratch} (which the caller removes); empty when it is missing.
     */
    Optional<Path> localRendition(long ladderId, String name, Path scratch) throws IOException;

    /** Blocking: deletes every kept rendition of a ladder; none is fine. */
    void deleteRenditions(long ladderId) throws IOException;

    /** Blocking: ids of the ladders with renditions kept, last written before {@code cutoff} (for the sweeper). */
    List<Long> renditionLaddersOlderThan(Instant cutoff) throws IOException;

    /** Async: size and version of a published object, empty when missing (objects only, see {@link #publishedRoot}). */
    Uni<Optional<StoredObject>> stat(String folder, String relative);

    /**
     * Async: one GET or HEAD of a published object (objects only), in one request to the store: the object's bytes, all
     * or {@code request}'s byte range, or "not modified" when it still has the entity tag the client holds.
     */
    Uni<ObjectRead> read(String folder, String relative, ObjectRequest request);

    /**
     * Async: copies a whole published object into {@code target} (a file that must not exist yet; removed again when
     * the copy fails), with its size and version; empty when it is missing (objects only).
     */
    Uni<Optional<StoredObject>> copyPublished(String folder, String relative, Path target);

    /** A short-lived URL from which anyone may GET a published object (objects only). */
    String presign(String folder, String relative);

    /**
     * Objects an upload is written to part by part as it arrives (a bucket); empty: uploads are received into local
     * scratch and then kept with {@link #keepInput}.
     */
    default Optional<ObjectParts> objectParts() {
        return Optional.empty();
    }

    /** Blocking: readies the store at start (creates the bucket when it is missing). */
    default void start() {
    }

    /** Async: reachable and writable, or a failure naming why not (readiness). */
    Uni<Void> probe();

    /** A stored object's size, entity tag (quoted) and time of last write. */
    record StoredObject(long size, String etag, Instant lastModified) {
    }

    /**
     * What a GET or HEAD of a published object asks for: its bytes or only its headers, one byte range (a {@code Range}
     * header's {@code bytes=first-last}, {@code bytes=first-} or {@code bytes=-suffix}; null: all), and the entity tag
     * the client already holds (strong, quoted; null: none).
     */
    record ObjectRequest(boolean withBody, String range, String ifNoneMatch) {

        /** All of the object's bytes, whatever the client holds. */
        public static ObjectRequest whole() {
            return new ObjectRequest(true, null, null);
        }
    }

    /**
     * What the store answered, as the HTTP status to give: 200 or 206 ({@code contentRange} set) with the object's
     * validators, its length and, for a GET, its bytes as they arrive (read once, with back-pressure); 304 (entity tag
     * and, when the store sent it, time of last write); 404; 416 ({@code contentRange} is {@code bytes *}{@code /size}).
     */
    record ObjectRead(int status, String etag, Instant lastModified, long length, String contentRange,
            Publisher<ByteBuffer> body) {

        static ObjectRead missing() {
            return new ObjectRead(404, null, null, 0, null, null);
        }
    }
}
