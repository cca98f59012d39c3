package io.vodpack.upload.ingest;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vodpack.core.async.Async;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.storage.ContentStorage;

/** What every upload must fit in: the size limit (413) and the free-space reserve of the storage (507). */
@ApplicationScoped
public class UploadLimits {

    private final VodpackConfig config;
    private final ContentStorage storage;
    private final Async async;

    public UploadLimits(VodpackConfig config, ContentStorage storage, Async async) {
        this.config = config;
        this.storage = storage;
        this.async = async;
    }

    /** Largest accepted upload in bytes. */
    public long maxSize() {
        return config.upload().maxSize();
    }

    /** 413 for a body over {@link #maxSize()}. */
    public ProblemException tooLarge() {
        return tooLarge("The upload exceeds the limit of " + maxSize() + " bytes; nothing was stored.");
    }

    /** 413 for an upload that does not fit; {@code detail} says which limit. */
    public ProblemException tooLarge(String detail) {
        return ProblemException.payloadTooLarge("upload-too-large", detail);
    }

    /**
     * Fails with 507 unless {@code length} bytes (0 when not known yet) plus the reserve are free. The file
     * system is asked on a worker thread; the outcome arrives on the caller's context.
     */
    public Uni<Void> requireFreeSpace(long length) {
        long reserve = config.upload().minFreeSpace();
        return async.blocking(storage::usableSpace).invoke(free -> {
            if (free < reserve + length) {
                throw ProblemException.insufficientStorage(length == 0
                        ? "The service has " + free + " bytes free, below its reserve of " + reserve + " bytes; try again later."
                        : "The service has " + free + " bytes free; this upload needs " + length + " plus a reserve of "
                                + reserve + ".");
            }
        }).replaceWithVoid();
    }
}
