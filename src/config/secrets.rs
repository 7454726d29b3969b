//! `BETTER_AUTH_SECRET` and Better Auth's versioned `BETTER_AUTH_SECRETS`.

use secrecy::SecretString;

use super::{ConfigError, MIN_SECRET_LEN, err};

/// Parsed secrets: `(version, secret)` newest first, plus Better Auth's legacy secret.
pub(super) struct Secrets {
    pub(super) entries: Vec<(Option<u32>, SecretString)>,
    pub(super) legacy: Option<SecretString>,
}

fn check_len(secret: &str, var: &'static str) -> Result<(), ConfigError> {
    if secret.chars().count() < MIN_SECRET_LEN {
        return Err(err(
            var,
            format!(
                "must be at least {MIN_SECRET_LEN} characters long; the server refuses to start with a weaker secret"
            ),
        ));
    }
    Ok(())
}

/// Better Auth's `BETTER_AUTH_SECRETS="2:new,1:old"` (`context/secret-utils.ts`): the first is current.
fn parse_versioned(list: &str) -> Result<Vec<(Option<u32>, SecretString)>, ConfigError> {
    const VAR: &str = "BETTER_AUTH_SECRETS";
    let mut entries: Vec<(Option<u32>, SecretString)> = Vec::new();
    for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let Some((version, secret)) = entry.split_once(':') else {
            return Err(err(VAR, "every entry must be `<version>:<secret>`"));
        };
        let version: u32 = version
            .trim()
            .parse()
            .map_err(|_| err(VAR, "versions must be non-negative integers"))?;
        if entries.iter().any(|(v, _)| *v == Some(version)) {
            return Err(err(VAR, format!("version {version} appears twice")));
        }
        let secret = secret.trim();
        check_len(secret, VAR)?;
        entries.push((Some(version), SecretString::from(secret)));
    }
    if entries.is_empty() {
        return Err(err(
            VAR,
            "must contain at least one `<version>:<secret>` entry",
        ));
    }
    Ok(entries)
}

pub(super) fn parse(
    versioned: Option<String>,
    single: Option<String>,
) -> Result<Secrets, ConfigError> {
    match (versioned, single) {
        (Some(list), legacy) => Ok(Secrets {
            entries: parse_versioned(&list)?,
            legacy: legacy.map(SecretString::from),
        }),
        (None, Some(secret)) => {
            check_len(&secret, "BETTER_AUTH_SECRET")?;
            Ok(Secrets {
                entries: vec![(None, SecretString::from(secret))],
                legacy: None,
            })
        }
        (None, None) => Err(err(
            "BETTER_AUTH_SECRET",
            "is required: set it to a random string of at least 32 characters (openssl rand -base64 32)",
        )),
    }
}

/// The secret of a SQLite database when none is configured: read from `path`, or generated once
/// (48 random characters) and written there, readable by the owner only. Returns the secret and
/// whether it was just generated.
pub(super) fn beside_database(path: &std::path::Path) -> Result<(Secrets, bool), ConfigError> {
    const VAR: &str = "BETTER_AUTH_SECRET";
    let failed = |what: &str, e: std::io::Error| {
        err(
            VAR,
            format!(
                "is not set, and the generated secret file {} could not be {what}: {e}",
                path.display()
            ),
        )
    };
    let (secret, created) = match std::fs::read_to_string(path) {
        Ok(text) => (text.trim().to_owned(), false),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let secret = crate::auth::crypto::generate_id(48);
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| failed("created", e))?;
            }
            write_private(path, &secret).map_err(|e| failed("written", e))?;
            (secret, true)
        }
        Err(e) => return Err(failed("read", e)),
    };
    check_len(&secret, VAR)?;
    Ok((
        Secrets {
            entries: vec![(None, SecretString::from(secret))],
            legacy: None,
        },
        created,
    ))
}

/// Creates `path` with mode 0600 (never overwriting a file that appeared meanwhile).
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}
