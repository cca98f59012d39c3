package io.vodpack.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import io.vodpack.core.storage.ContentStore;

/** What the service's content store (files or bucket) holds of inputs, read the way the packaging workers read it. */
public final class StoredInputs {

    private StoredInputs() {
    }

    /** The stored bytes of an input. */
    public static byte[] bytes(ContentStore store, String name) throws IOException {
        Path scratch = Files.createTempDirectory("stored-input");
        try {
            return Files.readAllBytes(store.localInput(name, scratch));
        } finally {
            io.vodpack.core.storage.ContentStorage.deleteRecursively(scratch);
        }
    }

    public static boolean exists(ContentStore store, String name) throws IOException {
        return store.inputSize(name).isPresent();
    }

    /** Names of every stored input. */
    public static List<String> names(ContentStore store) throws IOException {
        return store.inputsOlderThan(Instant.now().plusSeconds(3600));
    }
}
