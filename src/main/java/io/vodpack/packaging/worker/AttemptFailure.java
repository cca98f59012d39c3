package io.vodpack.packaging.worker;

/** A packaging attempt that failed for a reason retrying will not fix; the message is shown to the client. */
class AttemptFailure extends RuntimeException {

    AttemptFailure(String reason) {
        super(reason, null, false, false);
    }
}
