package io.acrproxy.policy;

/** {@code blobStorage.mode} (design §6.3). */
public enum BlobMode {
    /** No storage account is reachable. The default. */
    NONE,
    /** Only the named accounts ({@code acct.<blob suffix>}). */
    ACCOUNTS,
    /** Every account: {@code *.<blob suffix>}. Warned about, because it permits exfiltration to any account. */
    ANY;

    public String code() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
