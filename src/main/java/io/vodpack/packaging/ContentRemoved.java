package io.vodpack.packaging;

/** CDI event: job {@code id} was cancelled or deleted, so its output must no longer be served or produced. */
public record ContentRemoved(long id) {
}
