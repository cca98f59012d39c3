package io.vodpack.upload.resumable;

import jakarta.ws.rs.HeaderParam;

/** The request headers of the tus requests that carry an upload, as one parameter of each resource method. */
public final class TusHeaders {

    private TusHeaders() {
    }

    /** Headers of {@code POST /files/}: creation, optionally with the first bytes. */
    public static class Creation {
        @HeaderParam("Tus-Resumable")
        String resumable;
        @HeaderParam("Upload-Length")
        String length;
        @HeaderParam("Upload-Defer-Length")
        String deferLength;
        @HeaderParam("Upload-Metadata")
        String metadata;
        @HeaderParam("Upload-Checksum")
        String checksum;
        @HeaderParam("Content-Type")
        String contentType;
    }

    /** Headers of {@code PATCH /files/{id}}: the bytes of one chunk and where they go. */
    public static class Chunk {
        @HeaderParam("Tus-Resumable")
        String resumable;
        @HeaderParam("Upload-Offset")
        String offset;
        @HeaderParam("Upload-Checksum")
        String checksum;
        @HeaderParam("Content-Type")
        String contentType;
    }
}
