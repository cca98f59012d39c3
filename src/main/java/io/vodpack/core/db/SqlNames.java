package io.vodpack.core.db;

/**
 * Table names for plain SQL on the reactive pool, whose connections have no search path: each is qualified with
 * the service's schema ({@code db.schema}), quoted.
 */
public final class SqlNames {

    private SqlNames() {
    }

    /** The table {@code name} in {@code schema}, quoted for SQL. */
    public static String table(String schema, String name) {
        return "\"" + schema.replace("\"", "\"\"") + "\"." + name;
    }
}
