package io.vodpack.core.storage;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.lifecycle.StartupOrder;

/** Makes the {@link ContentStore} {@code vodpack.storage.kind} names, and readies it at start. */
@ApplicationScoped
public class ContentStores {

    @Produces
    @ApplicationScoped
    ContentStore contentStore(VodpackConfig config, ContentStorage folders, Vertx vertx) {
        return switch (config.storage().kind()) {
            case FILESYSTEM -> new FilesystemContentStore(folders);
            case S3 -> new S3ContentStore(config, vertx);
        };
    }

    void start(@Observes @Priority(StartupOrder.PREPARE) StartupEvent event, ContentStore store) {
        store.start();
    }

    void close(@Disposes ContentStore store) throws Exception {
        if (store instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }
}
