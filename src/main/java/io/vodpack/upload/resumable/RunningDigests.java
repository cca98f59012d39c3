package io.vodpack.upload.resumable;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vodpack.core.async.Async;
import io.vodpack.upload.ingest.Digests;

/**
 * The running SHA-256 of each resumable upload this instance wrote to, valid at the recorded offset, so that a
 * resumed upload is not read again. Only an upload this instance has not seen (restart, another replica) is
 * read back from its file, once.
 */
@ApplicationScoped
public class RunningDigests {

    private record Known(long offset, MessageDigest sha256) {
    }

    private final Async async;
    private final Map<String, Known> known = new ConcurrentHashMap<>();

    public RunningDigests(Async async) {
        this.async = async;
    }

    /** The SHA-256 of the bytes before {@code offset}: from memory, or read back from the file on a worker thread. */
    Uni<MessageDigest> at(String id, Path file, long offset) {
        Known digest = known.get(id);
        if (digest != null && digest.offset() == offset) {
            return Uni.createFrom().item(digest.sha256());
        }
        return async.blocking(() -> readBack(file, offset));
    }

    void put(String id, long offset, MessageDigest sha256) {
        known.put(id, new Known(offset, sha256));
    }

    /** The SHA-256 of the whole file, once its last byte arrived; the state is forgotten. */
    byte[] finish(String id) {
        return known.remove(id).sha256().digest();
    }

    void forget(String id) {
        known.remove(id);
    }

    private static MessageDigest readBack(Path file, long offset) throws IOException {
        MessageDigest sha256 = Digests.sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            long left = offset;
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw new IOException("the partial file is shorter than the recorded offset " + offset);
                }
                sha256.update(buffer, 0, n);
                left -= n;
            }
        }
        return sha256;
    }
}
