package io.vodpack.packaging.worker;

import java.io.IOException;

import io.vodpack.core.storage.StorageUnavailableException;

/** A packaging attempt that failed; the message is shown to the client, the kind says what happens to the job. */
class AttemptFailure extends RuntimeException {

    /** What the job does next. */
    enum Kind {
        /** Retrying will not fix it: the job fails. */
        PERMANENT,
        /** A storage blip: the job is tried again after the backoff, within {@code max-attempts}. */
        TRANSIENT,
        /** Not enough free space to write the output: the job waits in the queue, the attempt is not counted. */
        NO_SPACE,
        /** The storage cannot be reached (down, or silent): the job waits in the queue, the attempt is not counted. */
        NO_STORAGE
    }

    /**
     * A storage read or write that failed: the job waits without losing an attempt when the storage could not be
     * reached at all, and is tried again within {@code max-attempts} otherwise.
     */
    static AttemptFailure storage(String reason, IOException e) {
        if (StorageUnavailableException.in(e) != null) {
            return new AttemptFailure(Kind.NO_STORAGE, reason + ": " + e.getMessage() + "; the job stays queued and is"
                    + " tried again");
        }
        return new AttemptFailure(Kind.TRANSIENT, reason + ": " + e.getMessage());
    }

    private final Kind kind;

    AttemptFailure(String reason) {
        this(Kind.PERMANENT, reason);
    }

    AttemptFailure(Kind kind, String reason) {
        super(reason, null, false, false);
        this.kind = kind;
    }

    Kind kind() {
        return kind;
    }
}
