//! Server settings: built-in defaults, then a TOML file, then `KANCHA_*` environment variables,
//! then command-line flags (each later source overrides the earlier).

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Everything the server can be told; field names are the TOML keys, `KANCHA_<NAME>` the variables.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Where records (`kancha.sqlite3`) and blobs (`blobs/`) live; created on first start.
    pub data_dir: PathBuf,
    /// Base URL used in links handed to customers; defaults to `http://<listen>`.
    pub public_url: Option<String>,
    /// Largest upload accepted, in bytes (`Tus-Max-Size`).
    pub max_upload_bytes: u64,
    /// Seconds an unfinished upload is kept after its creation.
    pub upload_expiry_secs: u64,
    /// Seconds between sweeps that delete expired uploads.
    pub reap_interval_secs: u64,
    /// Seconds a customer's self-service token lives.
    pub customer_token_secs: u64,
    /// A case not yet arrived is "at risk" once this percentage of its target time has elapsed.
    pub at_risk_percent: u32,
    /// Offset from UTC, in minutes, of the branch's local day used by reports (480: China Standard Time).
    pub report_utc_offset_minutes: i32,
    /// Log format: `text` or `json`.
    pub log_format: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("kancha-data"),
            public_url: None,
            max_upload_bytes: 1 << 30,
            upload_expiry_secs: 24 * 3600,
            reap_interval_secs: 300,
            customer_token_secs: 24 * 3600,
            at_risk_percent: 80,
            report_utc_offset_minutes: 8 * 60,
            log_format: "text".into(),
        }
    }
}

/// Why the settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("reading config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML for these settings.
    #[error("config file {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line.
        message: String,
    },
    /// An environment variable has a value of the wrong type.
    #[error("environment variable {var}={value:?}: {message}")]
    Env {
        /// The variable.
        var: String,
        /// Its value.
        value: String,
        /// What is wrong.
        message: String,
    },
    /// A setting is out of range.
    #[error("setting {0}")]
    Invalid(String),
}

impl Config {
    /// Defaults, then `file` (if any), then the given environment variables.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
                toml::from_str(&text)
                    .map_err(|e| ConfigError::Parse { path: path.to_owned(), message: e.to_string() })?
            }
            None => Config::default(),
        };
        for (var, value) in env {
            if let Some(key) = var.strip_prefix("KANCHA_") {
                config.set_from_env(&var, &key.to_ascii_lowercase(), &value)?;
            }
        }
        config.validate()?;
        Ok(config)
    }

    fn set_from_env(&mut self, var: &str, key: &str, value: &str) -> Result<(), ConfigError> {
        fn parse<T: std::str::FromStr>(var: &str, value: &str) -> Result<T, ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            value.parse().map_err(|e: T::Err| ConfigError::Env {
                var: var.into(),
                value: value.into(),
                message: e.to_string(),
            })
        }
        match key {
            "listen" => self.listen = parse(var, value)?,
            "data_dir" => self.data_dir = PathBuf::from(value),
            "public_url" => self.public_url = Some(value.to_owned()),
            "max_upload_bytes" => self.max_upload_bytes = parse(var, value)?,
            "upload_expiry_secs" => self.upload_expiry_secs = parse(var, value)?,
            "reap_interval_secs" => self.reap_interval_secs = parse(var, value)?,
            "customer_token_secs" => self.customer_token_secs = parse(var, value)?,
            "at_risk_percent" => self.at_risk_percent = parse(var, value)?,
            "report_utc_offset_minutes" => self.report_utc_offset_minutes = parse(var, value)?,
            "log_format" => self.log_format = value.to_owned(),
            // Other KANCHA_* variables belong to other tools (tests, xtask).
            _ => {}
        }
        Ok(())
    }

    /// Checks ranges that the types alone do not.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.max_upload_bytes == 0 {
            return Err(ConfigError::Invalid("max_upload_bytes must be positive".into()));
        }
        if self.reap_interval_secs == 0 {
            return Err(ConfigError::Invalid("reap_interval_secs must be positive".into()));
        }
        if !(1..=100).contains(&self.at_risk_percent) {
            return Err(ConfigError::Invalid("at_risk_percent must be between 1 and 100".into()));
        }
        if self.report_utc_offset_minutes.abs() > 14 * 60 {
            return Err(ConfigError::Invalid("report_utc_offset_minutes must be within ±840".into()));
        }
        if self.log_format != "text" && self.log_format != "json" {
            return Err(ConfigError::Invalid("log_format must be \"text\" or \"json\"".into()));
        }
        Ok(())
    }

    /// The base URL for links handed out by the server.
    pub fn public_url(&self) -> String {
        self.public_url.clone().unwrap_or_else(|| format!("http://{}", self.listen)).trim_end_matches('/').to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_file_which_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kancha.toml");
        std::fs::write(&file, "max_upload_bytes = 1000\nupload_expiry_secs = 60\n").unwrap();
        let env = [("KANCHA_UPLOAD_EXPIRY_SECS".to_string(), "5".to_string())];
        let c = Config::load(Some(&file), env).unwrap();
        assert_eq!(c.max_upload_bytes, 1000, "from the file");
        assert_eq!(c.upload_expiry_secs, 5, "environment wins over the file");
        assert_eq!(c.at_risk_percent, 80, "default kept");
    }

    #[test]
    fn bad_values_are_named() {
        let env = [("KANCHA_LISTEN".to_string(), "nowhere".to_string())];
        let err = Config::load(None, env).unwrap_err();
        assert!(matches!(err, ConfigError::Env { ref var, .. } if var == "KANCHA_LISTEN"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kancha.toml");
        std::fs::write(&file, "no_such_key = 1\n").unwrap();
        assert!(matches!(Config::load(Some(&file), []), Err(ConfigError::Parse { .. })));
    }
}
