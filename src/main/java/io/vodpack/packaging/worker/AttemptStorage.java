package io.vodpack.packaging.worker;

import jakarta.inject.Singleton;

import io.vodpack.core.storage.ContentStorage;
import io.vodpack.core.storage.ContentStore;

/** What an attempt works with: the local scratch folders (staging) and the store its input and output live in. */
@Singleton
class AttemptStorage {

    final ContentStorage scratch;
    final ContentStore store;

    AttemptStorage(ContentStorage scratch, ContentStore store) {
        this.scratch = scratch;
        this.store = store;
    }
}
