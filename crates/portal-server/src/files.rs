//! Files only the portal's user may read: the database, the key file, the outbox's messages
//! (SECURITY.md "File permissions").

use std::path::Path;

/// Creates a new file readable and writable by its owner only (0600 on Unix), failing if it
/// exists.
///
/// # Errors
/// The file exists, or cannot be created.
pub fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Logs a warning when `what` (a key file, the database) at `path` is readable or writable by
/// others than its owner (Unix).
pub fn warn_if_shared(path: &Path, what: &str) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                path = %path.display(),
                mode = format!("{:o}", meta.permissions().mode() & 0o777),
                "{what} is accessible to other users: chmod 600 it"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = (path, what);
}
