package io.acrproxy.policy;

import java.util.List;

/** {@code blobStorage:}: the mode and, for {@link BlobMode#ACCOUNTS}, the account names. */
public record BlobStorageSpec(BlobMode mode, List<String> accounts) {
    public static final BlobStorageSpec NONE = new BlobStorageSpec(BlobMode.NONE, List.of());

    public BlobStorageSpec {
        accounts = List.copyOf(accounts);
    }
}
