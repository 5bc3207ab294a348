package io.pingstack.gateway;

import java.util.Objects;

/**
 * The Sourcegraph update-check endpoints ({@code /.api/updates}, {@code /updates}).
 *
 * @param updateCheckEnabled false: the paths are unknown (404)
 * @param updateVersion the newest Sourcegraph release to announce, a version like {@code 5.3.3}
 *     (a leading {@code v} is dropped); empty: every check is answered 204
 * @param initAdmin what becomes of the {@code initAdmin} e-mail address before it is stored
 * @param initAdminHashKey the HMAC key when {@code initAdmin} is {@link InitAdmin#HASH}, else null
 */
public record SourcegraphConfig(boolean updateCheckEnabled, String updateVersion, InitAdmin initAdmin, String initAdminHashKey) {
  /** {@code initAdmin} is personal data: it is never stored in clear. */
  public enum InitAdmin {
    /** Left out of the stored ping. */
    DROP,
    /** Replaced by {@code hmac-sha256:<hex>} of its trimmed, lower-case text under the configured key. */
    HASH
  }

  public SourcegraphConfig {
    Objects.requireNonNull(updateVersion, "updateVersion");
    Objects.requireNonNull(initAdmin, "initAdmin");
    updateVersion = updateVersion.startsWith("v") ? updateVersion.substring(1) : updateVersion;
    if (!updateVersion.isEmpty() && SourcegraphVersion.parse(updateVersion) == null) {
      throw new IllegalArgumentException("sourcegraph.update_version must be a version like 5.3.3");
    }
    boolean keyed = initAdminHashKey != null && !initAdminHashKey.isEmpty();
    if (initAdmin == InitAdmin.HASH && !keyed) {
      throw new IllegalArgumentException("sourcegraph.init_admin=hash needs a key in sourcegraph.init_admin_hash_key_file");
    }
    if (initAdmin == InitAdmin.DROP && keyed) {
      throw new IllegalArgumentException("sourcegraph.init_admin_hash_key_file is set but sourcegraph.init_admin is drop");
    }
  }

  /** Enabled, no update announced, {@code initAdmin} dropped. */
  public static SourcegraphConfig defaults() {
    return new SourcegraphConfig(true, "", InitAdmin.DROP, null);
  }

  @Override
  public String toString() {
    return "SourcegraphConfig[updateCheckEnabled=" + updateCheckEnabled + ", updateVersion=" + updateVersion
        + ", initAdmin=" + initAdmin + "]";
  }
}
