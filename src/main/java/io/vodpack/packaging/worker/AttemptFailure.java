package io.vodpack.packaging.worker;

/** A packaging attempt that failed; the message is shown to the client, the kind says what happens to the job. */
class AttemptFailure extends RuntimeException {

    /** What the job does next. */
    enum Kind {
        /** Retrying will not fix it: the job fails. */
        PERMANENT,
        /** A storage blip: the job is tried again after the backoff, within {@code max-attempts}. */
        TRANSIENT,
        /** Not enough free space to write the output: the job waits in the queue, the attempt is not counted. */
        NO_SPACE
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
