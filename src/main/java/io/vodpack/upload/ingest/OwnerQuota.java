package io.vodpack.upload.ingest;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vodpack.core.db.SqlNames;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.error.ProblemException;

/**
 * How many bytes of inputs an owner may store ({@code vodpack.security.owner-max-stored-bytes}): an upload whose
 * declared length would pass it is refused with 413 before a byte is written. Stored inputs and unfinished
 * resumable uploads both count.
 */
@ApplicationScoped
public class OwnerQuota {

    private final Pool pool;
    private final VodpackConfig config;
    private final String inputs;
    private final String resumable;

    public OwnerQuota(Pool pool, VodpackConfig config, @ConfigProperty(name = "db.schema") String schema) {
        this.pool = pool;
        this.config = config;
        this.inputs = SqlNames.table(schema, "input_content");
        this.resumable = SqlNames.table(schema, "resumable_upload");
    }

    /** Fails with 413 when {@code owner} has no room for {@code length} more bytes (0: an unknown length). */
    public Uni<Void> requireRoom(String owner, long length) {
        long max = config.security().ownerMaxStoredBytes();
        return pool.preparedQuery("SELECT (SELECT coalesce(sum(size_bytes), 0) FROM " + inputs + " WHERE owner = $1)"
                + " + (SELECT coalesce(sum(upload_length), 0) FROM " + resumable + " WHERE owner = $1 AND status = 'UPLOADING')"
                + " AS used").execute(Tuple.of(owner))
                .map(rows -> rows.iterator().next().getLong("used"))
                .invoke(used -> {
                    if (used + Math.max(length, 1) > max) {
                        throw ProblemException.payloadTooLarge("storage-quota-exceeded", "Owner '" + owner + "' stores "
                                + used + " bytes; this upload of " + (length > 0 ? length + " bytes" : "unknown length")
                                + " would pass the quota of " + max + " bytes (vodpack.security.owner-max-stored-bytes)."
                                + " Delete inputs you no longer need.");
                    }
                })
                .replaceWithVoid();
    }
}
