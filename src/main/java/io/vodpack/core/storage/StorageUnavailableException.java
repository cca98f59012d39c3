package io.vodpack.core.storage;

/**
 * The content store could not take or give bytes (the S3 server unreachable or failing): nothing was kept, and the
 * same request may succeed later. Not a client error; callers answer 503 or keep what they received for a retry.
 */
public class StorageUnavailableException extends RuntimeException {

    public StorageUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The first StorageUnavailableException in {@code failure}'s cause chain (itself included), or null. */
    public static StorageUnavailableException in(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof StorageUnavailableException s) {
                return s;
            }
        }
        return null;
    }
}
