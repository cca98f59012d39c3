package io.vodpack.packaging.queue;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vodpack.core.db.SqlNames;
import io.vodpack.packaging.ContentKey;
import io.vodpack.packaging.PackagingJob.Kind;
import io.vodpack.packaging.PackagingJob.Status;
import io.vodpack.packaging.PublishedContent;

/**
 * {@link PublishedContent} in plain SQL on the reactive pool, so that plain Vert.x routes may ask it from the
 * event loop without a Hibernate session.
 */
@ApplicationScoped
public class PublishedJobs implements PublishedContent {

    private final Pool pool;
    private final String table;

    public PublishedJobs(Pool pool, @ConfigProperty(name = "db.schema") String schema) {
        this.pool = pool;
        this.table = SqlNames.table(schema, "packaging_job");
    }

    @Override
    public Uni<Optional<String>> outputFolder(long id) {
        // Rows published before attempts had their own folders used packaged/<id>.
        return pool.preparedQuery("SELECT coalesce(output_folder, id::text) AS folder FROM " + table
                + " WHERE id = $1 AND status = '" + Status.DONE + "' AND kind = '" + Kind.PACKAGE + "'").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getString("folder")));
    }

    @Override
    public Uni<Optional<Keys>> keys(long id) {
        return pool.preparedQuery("SELECT id, kid_hex, kid_text, key_hex, key_text FROM " + table
                + " WHERE id = $1 AND status = '" + Status.DONE + "' AND kind = '" + Kind.PACKAGE + "'").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(toKeys(rows.iterator().next())));
    }

    private static Keys toKeys(Row r) {
        return new Keys(r.getLong("id"), ContentKey.ofHex(r.getString("kid_hex"), r.getString("kid_text")),
                ContentKey.ofHex(r.getString("key_hex"), r.getString("key_text")));
    }
}
