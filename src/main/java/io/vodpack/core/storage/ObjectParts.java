package io.vodpack.core.storage;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Objects written part by part while an upload arrives, and read back by range (the S3 multipart upload API): how
 * uploads reach a bucket without a local copy. Keys are relative to the store's prefix ({@link #inputKey}, and
 * {@code resumable/<id>/…} for the bytes of a resumable upload that do not fill a part yet). The futures complete
 * on the client's threads; a failure to reach the storage is a {@link StorageUnavailableException}.
 */
public interface ObjectParts {

    /** Bytes of every part but the last (S3 needs at least 5 MiB), {@code vodpack.storage.s3.part-size}. */
    int partSize();

    /**
     * The longest the storage may take no bytes of a write, or give no answer once it has them, before the write is
     * failed ({@code vodpack.storage.s3.timeout}); its own requests but {@link #complete} fail after at most twice this.
     */
    Duration timeout();

    /** Starts a multipart upload to {@code key}; completes with its upload id. */
    CompletableFuture<String> begin(String key);

    /** Uploads part {@code number} (from 1); completes with its entity tag. {@code bytes} must not change meanwhile. */
    CompletableFuture<String> putPart(String key, String uploadId, int number, ByteBuffer bytes);

    /** Assembles the object from parts 1..n with these entity tags (parts not named are dropped). */
    CompletableFuture<Void> complete(String key, String uploadId, List<String> etags);

    /** Aborts a multipart upload: its parts are deleted; an unknown one is fine. */
    CompletableFuture<Void> abort(String key, String uploadId);

    /** The largest object S3 takes in one PUT: a body of known length up to this size can be {@link #stream}ed. */
    long SINGLE_PUT_MAX = 5L << 30;

    /**
     * Starts one PUT of an object of exactly {@code length} bytes to {@code key}, its body written as it arrives: the
     * store keeps the object only once all {@code length} bytes have arrived (S3 servers assemble a multipart upload
     * by copying its parts, so one PUT costs the server half the work).
     */
    CompletableFuture<ObjectStream> stream(String key, long length);

    /**
     * The body of a PUT started by {@link #stream}. Its futures complete on an event loop and have no time limit of
     * their own (the caller bounds its waits). An answer of the store before the body ended fails the next write.
     */
    interface ObjectStream {

        /** Sends the next bytes; completes once they are on the wire (until then {@code bytes} must not change). */
        CompletableFuture<Void> write(ByteBuffer bytes);

        /**
         * Sends the body's last bytes and ends it: completes when the store has the whole object. (One call, so that
         * the store's answer, which may come as soon as the last byte arrives, is never taken for an early one.)
         */
        CompletableFuture<Void> end(ByteBuffer last);

        /** Abandons the PUT: a store that has not received every byte keeps nothing. */
        void reset();
    }

    /** Writes a whole (small) object in one request. */
    CompletableFuture<Void> put(String key, ByteBuffer bytes);

    /** {@code length} bytes of an object from {@code position} (fewer at its end). */
    CompletableFuture<ByteBuffer> read(String key, long position, int length);

    /** The whole of a small object. */
    CompletableFuture<ByteBuffer> readAll(String key);

    /** Size of an object, empty when it is missing. */
    CompletableFuture<Optional<Long>> size(String key);

    /** Deletes an object; a missing one is fine. */
    CompletableFuture<Void> delete(String key);

    /** Deletes every object under {@code keyPrefix}. */
    CompletableFuture<Void> deleteUnder(String keyPrefix);

    /** Keys (relative) of the objects under {@code keyPrefix} last written before {@code cutoff}. */
    CompletableFuture<List<String>> keysOlderThan(String keyPrefix, Instant cutoff);

    /** Multipart uploads neither completed nor aborted (one LIST per 1000). */
    CompletableFuture<List<OpenUpload>> openUploads();

    /**
     * When a part was last written to {@code upload} (one ListParts), or when it was started if it has none: what
     * says whether it is stale. (Some S3-compatible servers report the listing's time as every upload's start.)
     */
    CompletableFuture<Instant> lastWritten(OpenUpload upload);

    /** A multipart upload in progress: its key (relative), id and start. */
    record OpenUpload(String key, String uploadId, Instant initiated) {
    }

    /** Key of input {@code name}, where its upload's parts go. */
    static String inputKey(String name) {
        return "inputs/" + name;
    }
}
