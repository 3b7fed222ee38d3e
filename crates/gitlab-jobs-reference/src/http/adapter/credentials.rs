//! The router's credentials into the service's: the same four forms. The router has already
//! dropped the forms an operation does not accept (a `JOB-TOKEN` on a single-job route
//! arrives as `Anonymous`, as GitLab ignores it there).

use gitlab_jobs_server::runtime;

use crate::service::auth::Credentials;

impl From<runtime::Credentials> for Credentials {
    fn from(credentials: runtime::Credentials) -> Credentials {
        match credentials {
            runtime::Credentials::Anonymous => Credentials::Anonymous,
            runtime::Credentials::PrivateToken(token) => Credentials::PrivateToken(token),
            runtime::Credentials::JobToken(token) => Credentials::JobToken(token),
            runtime::Credentials::Bearer(token) => Credentials::Bearer(token),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_keeps_its_kind_and_token() {
        let pairs = [
            (runtime::Credentials::Anonymous, Credentials::Anonymous),
            (
                runtime::Credentials::PrivateToken("p".into()),
                Credentials::PrivateToken("p".into()),
            ),
            (
                runtime::Credentials::JobToken("j".into()),
                Credentials::JobToken("j".into()),
            ),
            (
                runtime::Credentials::Bearer("b".into()),
                Credentials::Bearer("b".into()),
            ),
        ];
        for (from, to) in pairs {
            assert_eq!(Credentials::from(from), to);
        }
    }
}
