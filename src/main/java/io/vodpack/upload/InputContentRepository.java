package io.vodpack.upload;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import jakarta.persistence.LockModeType;

import io.quarkus.hibernate.reactive.panache.PanacheRepository;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;

/** Rows of {@link InputContent}. */
@ApplicationScoped
public class InputContentRepository implements PanacheRepository<InputContent> {

    /** A page of inputs, newest first; {@code owner} null means every owner's. */
    public Uni<List<InputContent>> newestFirst(String owner, int page, int size) {
        Sort sort = Sort.descending("createdAt", "id");
        return (owner == null ? findAll(sort) : find("owner", sort, owner)).page(Page.of(page, size)).list();
    }

    /** The input with this id if {@code owner} (null: any owner) may see it, else null. */
    public Uni<InputContent> findOwned(long id, String owner, LockModeType lock) {
        return (lock == null ? findById(id) : findById(id, lock))
                .map(input -> input == null || owner == null || owner.equals(input.owner) ? input : null);
    }
}
