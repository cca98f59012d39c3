package io.vodpack.packaging.queue;

import java.util.ArrayList;
import java.util.List;
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
    private final String keyTable;

    public PublishedJobs(Pool pool, @ConfigProperty(name = "db.schema") String schema) {
        this.pool = pool;
        this.table = SqlNames.table(schema, "packaging_job");
        this.keyTable = SqlNames.table(schema, "packaging_job_key");
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
        // The job's own pair first, then those of a ladder with separate keys (its SD pair is the job's own again).
        return pool.preparedQuery("SELECT 0 AS rank, kid_hex, kid_text, key_hex, key_text FROM " + table
                + " WHERE id = $1 AND status = '" + Status.DONE + "' AND kind = '" + Kind.PACKAGE + "'"
                + " UNION ALL SELECT 1, k.kid_hex, k.kid_text, k.key_hex, k.key_text FROM " + keyTable + " k JOIN " + table
                + " j ON j.id = k.packaging_job_id WHERE j.id = $1 AND j.status = '" + Status.DONE + "' ORDER BY rank")
                .execute(Tuple.of(id))
                .map(rows -> {
                    List<Keys.Pair> pairs = new ArrayList<>();
                    for (Row r : rows) {
                        ContentKey kid = ContentKey.ofHex(r.getString("kid_hex"), r.getString("kid_text"));
                        if (pairs.stream().noneMatch(p -> p.kid().equals(kid))) {
                            pairs.add(new Keys.Pair(kid, ContentKey.ofHex(r.getString("key_hex"), r.getString("key_text"))));
                        }
                    }
                    return pairs.isEmpty() ? Optional.empty() : Optional.of(new Keys(id, List.copyOf(pairs)));
                });
    }
}
