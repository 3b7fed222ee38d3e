//! The data version the service's cache keys on (`store::backend` says how every change bumps
//! it): one number for every change, and one for the changes of identities alone.

/// The numbers read together in one statement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct DataVersion {
    /// Moves with every change.
    pub data: i64,
    /// Moves with the changes of personal access tokens, users, projects and their members
    /// (which move `data` too): what authentication reads stays true while it does not.
    pub identities: i64,
}

impl DataVersion {
    /// The statement that reads both, in this order (the same SQL on both databases).
    pub const SELECT: &'static str = "SELECT version, identities FROM data_version";
}

/// What a change touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    /// Jobs, pipelines, their logs and artifacts, runners.
    Jobs,
    /// Personal access tokens, users, projects or members (and maybe jobs too).
    Identities,
}

impl Changed {
    /// The statement that bumps the numbers this change moves (the same SQL on both
    /// databases).
    pub fn bump(self) -> &'static str {
        match self {
            Changed::Jobs => "UPDATE data_version SET version = version + 1",
            Changed::Identities => {
                "UPDATE data_version SET version = version + 1, identities = identities + 1"
            }
        }
    }
}
