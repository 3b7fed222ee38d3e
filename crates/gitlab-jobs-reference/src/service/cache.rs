//! What the service keeps in memory between requests: the identities every request reads
//! (personal access tokens, job tokens, users, projects with their members) and presented
//! entities, all valid for one data version of the store ([`Store::data_version`]).
//!
//! A request starts by reading the data version ([`Cache::reads`], or the store's probe:
//! one statement, the only one a request answered from the cache sends to the database).
//! Every change, by this instance or another on the same database, bumps it in its own
//! transaction (the hook is `Backend::write` in `store/backend.rs`, which every use case goes
//! through). The version has two numbers: `data` moves with every change, `identities` only
//! with changes of tokens, users, projects and members. What authentication reads (tokens,
//! users, projects) is kept while `identities` stays; job tokens (whose job may stop running)
//! and presented jobs and pages while `data` stays. When a number moved, its entries are
//! emptied and fill again. So a revoked token or a removed member stops working with the first
//! request after the change, on every instance, and a job's change does not cost the next
//! requests their authentication.
//!
//! What is kept was read after the version was: it is never older than the version it is kept
//! under. A request that saw an older version than the cache's neither reads from the cache
//! nor fills it.
//!
//! A presented entity also depends on the time: it is kept until its artifacts expire
//! ([`Unchanged`]), and the durations of a job that runs or waits, which count with the time,
//! are written into its kept JSON when it is taken out ([`KeptJob`]): answering from the cache
//! does not serialise a job again.

use std::borrow::Borrow;
use std::cell::Cell;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use gitlab_jobs_server::Encoded;
use gitlab_jobs_types as types;

use crate::model::{Id, Job, JobDetails, Pipeline, Project, User};
use crate::service::auth::Identities;
use crate::service::error_bodies::ApiError;
use crate::service::present::Presenter;
use crate::store::{
    DataVersion, JobFilter, Page, Pagination, PersonalAccessToken, ProjectKey, Store, StoreError,
};

/// Entries one map holds at most; when full it starts again empty. Unknown tokens are kept
/// too (as `None`), so that a client trying tokens cannot grow the cache without bound.
const MAX_ENTRIES: usize = 10_000;

/// Pages the cache holds at most: a page of 100 jobs is a few hundred KiB, and a client
/// walking every page of a large project must not keep them all.
const MAX_PAGES: usize = 100;

/// Until when a presented entity stays what it is while its data does not change (apart
/// from the durations that count, see [`Kept`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unchanged {
    /// Until the data changes.
    Always,
    /// Up to and including this instant (artifacts that expire then).
    Until(DateTime<Utc>),
}

impl Unchanged {
    /// Until when two entities shown together (a page) stay the same.
    pub fn and(self, other: Unchanged) -> Unchanged {
        match (self, other) {
            (Unchanged::Always, other) | (other, Unchanged::Always) => other,
            (Unchanged::Until(a), Unchanged::Until(b)) => Unchanged::Until(a.min(b)),
        }
    }

    fn holds_at(self, now: DateTime<Utc>) -> bool {
        match self {
            Unchanged::Always => true,
            Unchanged::Until(until) => now <= until,
        }
    }
}

/// A presented entity (a job, or a page of jobs) as the cache keeps it, and until when. The
/// cache hands out shared references: taking one out copies nothing.
pub struct Kept<T> {
    pub entity: T,
    pub unchanged: Unchanged,
}

impl Kept<KeptJob> {
    /// The job as `presenter` shows it now.
    pub fn shown(&self, presenter: &Presenter) -> Result<Encoded<types::Job>, ApiError> {
        self.entity.shown(presenter)
    }
}

impl Kept<Page<KeptJob>> {
    /// The page as `presenter` shows it now.
    pub fn shown(&self, presenter: &Presenter) -> Result<Page<Encoded<types::Job>>, ApiError> {
        let items = self.entity.items.iter();
        Ok(Page {
            items: items
                .map(|job| job.shown(presenter))
                .collect::<Result<_, _>>()?,
            info: self.entity.info.clone(),
        })
    }
}

/// Which number of the data version a kept entry holds for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    /// What authentication reads: tokens, users, projects with their members
    /// ([`DataVersion::identities`]).
    Identities,
    /// Everything else: job tokens (whose job may stop running), presented jobs and pages
    /// ([`DataVersion::data`]).
    Answers,
}

#[derive(Default)]
struct Entries {
    /// The numbers the entries hold for, each of its group.
    version: DataVersion,
    personal_access_tokens: HashMap<String, Option<PersonalAccessToken>>,
    users: HashMap<Id, Option<User>>,
    projects_by_id: HashMap<Id, Option<Project>>,
    projects_by_path: HashMap<String, Option<Project>>,
    job_tokens: HashMap<String, Option<Job>>,
    /// `GET /projects/:id/jobs/:job_id` answers, by (project id, job id).
    jobs: HashMap<(Id, Id), Arc<Kept<KeptJob>>>,
    /// Pages of the jobs lists (project and pipeline jobs), by what the list shows.
    pages: HashMap<(JobFilter, Pagination), Arc<Kept<Page<KeptJob>>>>,
}

impl Entries {
    /// Empties each group whose number `version` has moved past.
    fn advance(&mut self, version: DataVersion) {
        if version.identities > self.version.identities {
            self.personal_access_tokens.clear();
            self.users.clear();
            self.projects_by_id.clear();
            self.projects_by_path.clear();
            self.version.identities = version.identities;
        }
        if version.data > self.version.data {
            self.job_tokens.clear();
            self.jobs.clear();
            self.pages.clear();
            self.version.data = version.data;
        }
    }

    /// Whether `group`'s entries hold at `version`.
    fn hold_at(&self, group: Group, version: DataVersion) -> bool {
        match group {
            Group::Identities => self.version.identities == version.identities,
            Group::Answers => self.version.data == version.data,
        }
    }
}

/// The cache of one service (one server instance).
#[derive(Default)]
pub struct Cache {
    entries: Mutex<Entries>,
}

impl Cache {
    pub fn new() -> Cache {
        Cache::default()
    }

    /// Reads the store's data version and returns what a request reads through: the cache
    /// where it holds for that version, else the store.
    pub fn reads<'a>(&'a self, store: &'a dyn Store) -> Result<Reads<'a>, StoreError> {
        let version = store.data_version()?;
        Ok(self.reads_at(store, version))
    }

    /// [`Cache::reads`] at a data version the caller has just read (with the store's
    /// [`VersionProbe`](crate::store::VersionProbe)).
    pub fn reads_at<'a>(&'a self, store: &'a dyn Store, version: DataVersion) -> Reads<'a> {
        self.at(Source::Store(store), version)
    }

    /// Reads at a data version the caller has just read, from the cache alone: a read the
    /// cache cannot answer fails with [`StoreError::NotInMemory`] and marks the reads
    /// [`Reads::missed`], and the request is answered again with the store. What runs on the
    /// async threads, where the store's blocking calls must not.
    pub fn in_memory(&self, version: DataVersion) -> Reads<'_> {
        self.at(Source::Memory(Cell::new(false)), version)
    }

    fn at<'a>(&'a self, source: Source<'a>, version: DataVersion) -> Reads<'a> {
        self.lock().advance(version);
        Reads {
            source,
            cache: self,
            version,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        // Every change under the lock is a whole insertion or replacement: a panic elsewhere
        // cannot leave the maps half changed.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Where a request's reads go when the cache does not hold them.
enum Source<'a> {
    Store(&'a dyn Store),
    /// Nowhere; set when a read missed.
    Memory(Cell<bool>),
}

/// One request's reads: at the data version read when it began.
pub struct Reads<'a> {
    source: Source<'a>,
    cache: &'a Cache,
    version: DataVersion,
}

impl<'a> Reads<'a> {
    /// Whether a read from memory alone ([`Cache::in_memory`]) found nothing kept: then what
    /// the request answered is not its answer.
    pub fn missed(&self) -> bool {
        match &self.source {
            Source::Store(_) => false,
            Source::Memory(missed) => missed.get(),
        }
    }

    /// `load` with the store, or [`StoreError::NotInMemory`] when reading from memory alone.
    fn load<T>(
        &self,
        load: impl FnOnce(&dyn Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match &self.source {
            Source::Store(store) => load(*store),
            Source::Memory(missed) => {
                missed.set(true);
                Err(StoreError::NotInMemory)
            }
        }
    }

    /// A pipeline of a project (not kept: a kept page of its jobs says it exists).
    pub fn pipeline(
        &self,
        project_id: Id,
        pipeline_id: Id,
    ) -> Result<Option<Pipeline>, StoreError> {
        self.load(|store| store.pipeline(project_id, pipeline_id))
    }

    /// A page of jobs (not kept: its presented answer is).
    pub fn list_jobs(
        &self,
        filter: &JobFilter,
        pagination: &Pagination,
    ) -> Result<Page<JobDetails>, StoreError> {
        self.load(|store| store.list_jobs(filter, pagination))
    }

    /// The job `job_id` of `project` (not kept: its presented answer is).
    pub fn job_of(&self, project: &Project, job_id: Id) -> Result<Option<JobDetails>, StoreError> {
        self.load(|store| store.job_of(project, job_id))
    }

    /// The cache's entries when `group`'s hold at this request's version.
    fn entries(&self, group: Group) -> Option<MutexGuard<'a, Entries>> {
        let entries = self.cache.lock();
        entries.hold_at(group, self.version).then_some(entries)
    }

    /// The kept answer in `map` for `key`, else `load`'s, kept for the next requests.
    fn through<K, Q, V>(
        &self,
        group: Group,
        map: fn(&mut Entries) -> &mut HashMap<K, V>,
        key: &Q,
        load: impl FnOnce(&dyn Store) -> Result<V, StoreError>,
    ) -> Result<V, StoreError>
    where
        K: Borrow<Q> + Hash + Eq,
        Q: ToOwned<Owned = K> + Hash + Eq + ?Sized,
        V: Clone,
    {
        if let Some(value) = self
            .entries(group)
            .and_then(|mut entries| map(&mut entries).get(key).cloned())
        {
            return Ok(value);
        }
        let value = self.load(load)?;
        if let Some(mut entries) = self.entries(group) {
            keep(
                map(&mut entries),
                MAX_ENTRIES,
                key.to_owned(),
                value.clone(),
            );
        }
        Ok(value)
    }

    /// A presented entity kept in `map` under `key`, if it holds at `now`.
    fn presented<K: Hash + Eq, T>(
        &self,
        map: fn(&mut Entries) -> &mut HashMap<K, Arc<Kept<T>>>,
        key: &K,
        now: DateTime<Utc>,
    ) -> Option<Arc<Kept<T>>> {
        let mut entries = self.entries(Group::Answers)?;
        map(&mut entries)
            .get(key)
            .filter(|kept| kept.unchanged.holds_at(now))
            .cloned()
    }

    fn keep_presented<K: Hash + Eq, T>(
        &self,
        map: fn(&mut Entries) -> &mut HashMap<K, Arc<Kept<T>>>,
        most: usize,
        key: K,
        kept: Kept<T>,
    ) {
        if let Some(mut entries) = self.entries(Group::Answers) {
            keep(map(&mut entries), most, key, Arc::new(kept));
        }
    }

    /// The `GET /projects/:id/jobs/:job_id` answer kept for this job, if it holds at `now`.
    pub fn presented_job(
        &self,
        project_id: Id,
        job_id: Id,
        now: DateTime<Utc>,
    ) -> Option<Arc<Kept<KeptJob>>> {
        self.presented(|entries| &mut entries.jobs, &(project_id, job_id), now)
    }

    /// Keeps a `GET /projects/:id/jobs/:job_id` answer.
    pub fn keep_presented_job(&self, project_id: Id, job_id: Id, kept: Kept<KeptJob>) {
        let key = (project_id, job_id);
        self.keep_presented(|entries| &mut entries.jobs, MAX_ENTRIES, key, kept);
    }

    /// The page of a jobs list kept for this filter and pagination, if it holds at `now`.
    pub fn presented_page(
        &self,
        filter: &JobFilter,
        pagination: &Pagination,
        now: DateTime<Utc>,
    ) -> Option<Arc<Kept<Page<KeptJob>>>> {
        // The key is cloned for the look-up: a page costs far more than its key.
        let key = (filter.clone(), pagination.clone());
        self.presented(|entries| &mut entries.pages, &key, now)
    }

    /// Keeps a page of a jobs list.
    pub fn keep_presented_page(
        &self,
        filter: &JobFilter,
        pagination: &Pagination,
        kept: Kept<Page<KeptJob>>,
    ) {
        let key = (filter.clone(), pagination.clone());
        self.keep_presented(|entries| &mut entries.pages, MAX_PAGES, key, kept);
    }
}

/// Inserts into a map of at most `most` entries, emptied when full (cheaper than tracking
/// which entry is the oldest, and the data version empties it more often anyway).
fn keep<K: Hash + Eq, V>(map: &mut HashMap<K, V>, most: usize, key: K, value: V) {
    if map.len() >= most && !map.contains_key(&key) {
        map.clear();
    }
    map.insert(key, value);
}

impl Identities for Reads<'_> {
    fn personal_access_token(
        &self,
        token: &str,
    ) -> Result<Option<PersonalAccessToken>, StoreError> {
        self.through(
            Group::Identities,
            |entries| &mut entries.personal_access_tokens,
            token,
            |store| store.personal_access_token(token),
        )
    }

    fn job_by_token(&self, token: &str) -> Result<Option<Job>, StoreError> {
        self.through(
            Group::Answers,
            |entries| &mut entries.job_tokens,
            token,
            |store| store.job_by_token(token),
        )
    }

    fn user(&self, id: Id) -> Result<Option<User>, StoreError> {
        self.through(
            Group::Identities,
            |entries| &mut entries.users,
            &id,
            |store| store.user(id),
        )
    }

    fn project(&self, key: ProjectKey<'_>) -> Result<Option<Project>, StoreError> {
        let load = |store: &dyn Store| store.project(key);
        match key {
            ProjectKey::Id(id) => self.through(
                Group::Identities,
                |entries| &mut entries.projects_by_id,
                &id,
                load,
            ),
            ProjectKey::Path(path) => self.through(
                Group::Identities,
                |entries| &mut entries.projects_by_path,
                path,
                load,
            ),
        }
    }
}

mod kept_job;
#[cfg(test)]
mod tests;

pub use kept_job::KeptJob;
