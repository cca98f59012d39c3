package io.vodpack.support;

import javax.sql.DataSource;

import io.vodpack.packaging.ContentKey;

/**
 * Job rows written straight into the table, for tests that change a job's state with plain SQL as any writer (another
 * replica included) would.
 */
public final class SeededJobs {

    private SeededJobs() {
    }

    /** A RUNNING job of the owner 'admin' under a lease no worker holds for an hour, so only the test changes it. */
    public static long running(DataSource db) {
        ContentKey key = ContentKey.random();
        ContentKey kid = ContentKey.random();
        Db.update(db, "INSERT INTO content_key (kid_hex, key_hex) VALUES (?, ?)", kid.hex(), key.hex());
        return Db.count(db, "INSERT INTO packaging_job (status, engine, key_hex, kid_hex, key_text, kid_text, progress, "
                + "attempts, lease_owner, lease_expires_at, created_at, started_at, owner) VALUES ('RUNNING', 'shaka', ?, ?, "
                + "?, ?, 0, 1, 'nobody#test', now() + interval '1 hour', now(), now(), 'admin') RETURNING id",
                key.hex(), kid.hex(), key.base64url(), kid.base64url());
    }
}
