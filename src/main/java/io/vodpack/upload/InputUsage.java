package io.vodpack.upload;

import io.smallrye.mutiny.Uni;

/** Tells whether other features still need an input; the packaging feature answers for its jobs. */
public interface InputUsage {

    /** Number of unfinished jobs that read the input. Must be called inside a transaction. */
    Uni<Long> activeUsers(long inputContentId);
}
