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

    public Uni<List<ApiKey>> page(String owner, int page, int size) {
        var query = owner == null ? findAll(Sort.descending("id")) : find("owner", Sort.descending("id"), owner);
        return query.page(Page.of(page, size)).list();
    }

    public Uni<Boolean> anyActiveAdmin() {
        return count("revokedAt is null and (scopes = 'admin' or scopes like 'admin,%' or scopes like '%,admin' "
                + "or scopes like '%,admin,%')").map(n -> n > 0);
    }

    public Uni<ApiKey> findBySecretHash(String sha256) {
        return find("secretSha256", sha256).firstResult();
    }
}
