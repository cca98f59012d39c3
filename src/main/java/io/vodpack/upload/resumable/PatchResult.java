package io.vodpack.upload.resumable;

import io.vodpack.core.error.ProblemException;

/**
 * A resumable upload after a PATCH: its new offset, and once complete the input it became, or the validation
 * problem ({@code failure}) that the last PATCH reports.
 */
public record PatchResult(ResumableUpload upload, ProblemException failure) {
}
