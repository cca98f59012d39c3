package io.vodpack.upload;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.PanacheRepository;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;

/** Rows of {@link InputContent}. */
@ApplicationScoped
public class InputContentRepository implements PanacheRepository<InputContent> {

    public Uni<List<InputContent>> newestFirst(int page, int size) {
        return findAll(Sort.descending("createdAt", "id")).page(Page.of(page, size)).list();
    }

    public Uni<List<String>> allStorageNames() {
        return find("select storageName from InputContent").project(String.class).list();
    }
}
