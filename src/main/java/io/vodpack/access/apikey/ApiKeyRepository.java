package io.vodpack.access.apikey;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.PanacheRepository;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;

/** API key rows. */
@ApplicationScoped
public class ApiKeyRepository implements PanacheRepository<ApiKey> {

    /** Every owner's keys, newest first. */
    public Uni<List<ApiKey>> page(int page, int size) {
        return findAll(Sort.descending("id")).page(Page.of(page, size)).list();
    }

    /** Active keys with the admin scope other than key {@code id}. */
    public Uni<Long> activeAdminsOtherThan(long id) {
        return count("revokedAt is null and id <> ?1 and concat(',', scopes, ',') like '%,admin,%'", id);
    }
}
