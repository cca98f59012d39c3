package io.vodpack.upload;

import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.QueryParam;

import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

/** What a single-request upload says about its body in headers and query, as one parameter of the resource. */
public class UploadRequest {

    @HeaderParam("Content-Type")
    String contentType;

    @HeaderParam("Content-Length")
    Long contentLength;

    @HeaderParam("Content-Digest")
    String contentDigest;

    @HeaderParam("Repr-Digest")
    String reprDigest;

    @Parameter(description = "Original file name (metadata only) for raw uploads")
    @QueryParam("filename")
    String filename;
}
