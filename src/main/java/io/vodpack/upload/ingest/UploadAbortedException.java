package io.vodpack.upload.ingest;

import io.vodpack.core.error.ProblemException;

/** The client went away (or the connection broke) before the whole body arrived. */
public class UploadAbortedException extends ProblemException {

    public UploadAbortedException(Throwable cause) {
        super(400, "upload-aborted", "Upload aborted",
                "The connection ended before the whole body arrived" + (cause != null && cause.getMessage() != null
                        ? " (" + cause.getMessage() + ")" : "") + "; nothing was stored.");
    }
}
