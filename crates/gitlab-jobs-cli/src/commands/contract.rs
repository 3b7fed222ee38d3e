//! What `verify` and `record` share: the API root and the credential of the global options,
//! as the contract crate's raw HTTP client takes them.

use gitlab_jobs_client::{Auth, ClientInfo};
use gitlab_jobs_contract::http::{Api, Credential};

use crate::cli::GlobalArgs;
use crate::connection::Connection;
use crate::error::{CliError, Exit};

/// The connection (for the project and `--json`), the API root and the credential.
pub fn connect(global: &GlobalArgs) -> Result<(Connection, String, Credential), CliError> {
    let connection = global.connect()?;
    let (auth, _) = global.credential()?;
    let credential = match auth {
        Auth::PrivateToken(token) => Credential::PrivateToken(token),
        Auth::JobToken(token) => Credential::JobToken(token),
        Auth::Bearer(token) => Credential::OAuthToken(token),
    };
    let api_url = connection.client.baseurl().to_string();
    Ok((connection, api_url, credential))
}

/// The raw client of the contract crate for `api_url`.
pub fn api(api_url: &str, credential: &Credential) -> Result<Api, CliError> {
    Api::new(api_url, credential)
        .map_err(|e| CliError::other(format!("{e:#}"), Some("check --url".into()), Exit::Usage))
}
