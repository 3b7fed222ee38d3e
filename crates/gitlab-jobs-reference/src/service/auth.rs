//! Who is asking, and what they may do (`lib/gitlab/auth/auth_finders.rb`,
//! `lib/api/helpers.rb#find_project!`, `app/policies/project_policy.rb`,
//! `app/policies/ci/build_policy.rb`).

use chrono::{DateTime, Utc};

use crate::model::{AccessLevel, Id, Job, JobStatus, Project, User, Visibility};
use crate::service::error_bodies::ApiError;
use crate::store::{PersonalAccessToken, ProjectKey, Store, StoreError};

/// The credentials a request carried, in the one form that counts: the generated router picks it
/// in GitLab's order of lookup (personal token, then Bearer, then job token) and drops the
/// forms an operation does not accept, so the service takes the server crate's type as it is.
pub use gitlab_jobs_server::Credentials;
use gitlab_jobs_server::Security;

/// What authentication and `find_project!` read: the store itself, or the service's cache
/// in front of it (`crate::service::cache`).
pub trait Identities {
    fn personal_access_token(&self, token: &str)
    -> Result<Option<PersonalAccessToken>, StoreError>;
    fn job_by_token(&self, token: &str) -> Result<Option<Job>, StoreError>;
    fn user(&self, id: Id) -> Result<Option<User>, StoreError>;
    fn project(&self, key: ProjectKey<'_>) -> Result<Option<Project>, StoreError>;
}

impl<S: Store + ?Sized> Identities for S {
    fn personal_access_token(
        &self,
        token: &str,
    ) -> Result<Option<PersonalAccessToken>, StoreError> {
        Store::personal_access_token(self, token)
    }

    fn job_by_token(&self, token: &str) -> Result<Option<Job>, StoreError> {
        Store::job_by_token(self, token)
    }

    fn user(&self, id: Id) -> Result<Option<User>, StoreError> {
        Store::user(self, id)
    }

    fn project(&self, key: ProjectKey<'_>) -> Result<Option<Project>, StoreError> {
        Store::project(self, key)
    }
}

/// Which credentials a route takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// `route_setting :authentication, job_token_allowed: true`. Elsewhere a job token is
    /// not looked at, as if absent.
    pub job_token_allowed: bool,
    /// `authenticate_non_get!` on a GET (pipelines.rb, job_artifacts.rb): anonymous requests
    /// reach public projects. `authenticate!` routes (jobs.rb) need a user.
    pub anonymous_allowed: bool,
}

impl Route {
    /// What the document's security requirements of an operation say (the generated
    /// `…Request::SECURITY`): job tokens where it lists a job token scheme, anonymous
    /// requests where it lists the empty requirement.
    pub fn of(security: Security) -> Route {
        Route {
            job_token_allowed: security.accepts_job_tokens(),
            anonymous_allowed: security.anonymous,
        }
    }
}

/// Who a request acts as.
#[derive(Debug, Clone, PartialEq)]
pub enum Actor {
    Anonymous,
    User(User),
    /// A CI job token: the job's user, limited to the job's project.
    Job {
        user: User,
        job: Box<Job>,
    },
}

impl Actor {
    pub fn user(&self) -> Option<&User> {
        match self {
            Actor::Anonymous => None,
            Actor::User(user) | Actor::Job { user, .. } => Some(user),
        }
    }

    pub fn user_id(&self) -> Option<Id> {
        self.user().map(|user| user.id)
    }
}

/// Resolves the credentials to an actor. Unknown tokens are 401, as is no token where the
/// route needs one; expired and revoked personal tokens get `invalid_token`
/// (`lib/api/api_guard.rb`). A job token works only while its job runs.
pub fn authenticate(
    store: &(impl Identities + ?Sized),
    credentials: &Credentials,
    route: Route,
    now: DateTime<Utc>,
) -> Result<Actor, ApiError> {
    let actor = match credentials {
        Credentials::Anonymous => Actor::Anonymous,
        Credentials::PrivateToken(token) => {
            personal_token_actor(store, token, now)?.ok_or_else(ApiError::unauthorized)?
        }
        Credentials::Bearer(token) => match personal_token_actor(store, token, now)? {
            Some(actor) => actor,
            None if route.job_token_allowed => job_token_actor(store, token)?,
            None => return Err(ApiError::unauthorized()),
        },
        Credentials::JobToken(token) if route.job_token_allowed => job_token_actor(store, token)?,
        // Where job tokens are not allowed GitLab does not look at them.
        Credentials::JobToken(_) => Actor::Anonymous,
    };
    if actor == Actor::Anonymous && !route.anonymous_allowed {
        return Err(ApiError::unauthorized());
    }
    Ok(actor)
}

fn personal_token_actor(
    store: &(impl Identities + ?Sized),
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<Actor>, ApiError> {
    let Some(token) = store.personal_access_token(token)? else {
        return Ok(None);
    };
    if token.revoked {
        return Err(ApiError::token_revoked());
    }
    if token.expired(now) {
        return Err(ApiError::token_expired());
    }
    Ok(Some(Actor::User(token.user)))
}

fn job_token_actor(store: &(impl Identities + ?Sized), token: &str) -> Result<Actor, ApiError> {
    let job = store
        .job_by_token(token)?
        .ok_or_else(ApiError::unauthorized)?;
    // `Ci::AuthJobFinder`: the token of a job that is no longer running is refused.
    if job.status != JobStatus::Running {
        return Err(ApiError::unauthorized());
    }
    let user_id = job.user_id.ok_or_else(ApiError::unauthorized)?;
    let user = store.user(user_id)?.ok_or_else(ApiError::unauthorized)?;
    Ok(Actor::Job {
        user,
        job: Box::new(job),
    })
}

/// What the jobs API asks of a project or job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ability {
    /// `read_pipeline` on the project (the pipeline jobs list asks for it first).
    ReadPipeline,
    /// `read_build` (lists, a job, its log, its artifacts).
    ReadBuild,
    /// `update_build` (cancel, retry, play, keep): developers.
    UpdateBuild,
    /// `force_cancel`: `authorize!(:maintainer_access, build)`.
    ForceCancel,
    /// `erase_build`: `admin_build | (update_build & owner_of_job & unprotected_ref)`.
    EraseBuild,
    /// `destroy_artifacts`: maintainers (project_policy.rb).
    DestroyArtifacts,
    /// `set_pipeline_variables` on the project (project_policy.rb
    /// `rule { user_defined_variables_allowed }`): see `Project::may_set_pipeline_variables`.
    SetPipelineVariables,
}

/// A project the actor can see, with the actor's membership level in it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectAccess {
    pub project: Project,
    pub actor: Actor,
    pub level: Option<AccessLevel>,
}

/// `find_project!`: a number is an id, a value with `/` a full path. Projects that do not
/// exist, that the actor cannot see, or (job tokens) outside the job's project are all
/// `404 Project Not Found`, so that their existence does not leak.
pub fn find_project(
    store: &(impl Identities + ?Sized),
    actor: &Actor,
    raw_id: &str,
) -> Result<ProjectAccess, ApiError> {
    let key = ProjectKey::parse(raw_id).ok_or_else(ApiError::project_not_found)?;
    let project = store
        .project(key)?
        .ok_or_else(ApiError::project_not_found)?;
    let level = actor
        .user_id()
        .and_then(|user_id| project.access_level_of(user_id));
    let visible = match project.visibility {
        Visibility::Public => true,
        Visibility::Internal => actor.user().is_some(),
        Visibility::Private => level.is_some(),
    };
    // The job token scope: a job token reaches its own project only (the inbound allowlist
    // of other projects is not modelled).
    let in_token_scope = match actor {
        Actor::Job { job, .. } => job.project_id == project.id,
        _ => true,
    };
    if !visible || !in_token_scope {
        return Err(ApiError::project_not_found());
    }
    Ok(ProjectAccess {
        project,
        actor: actor.clone(),
        level,
    })
}

impl ProjectAccess {
    fn at_least(&self, level: AccessLevel) -> bool {
        self.level.is_some_and(|own| own >= level)
    }

    /// The policy decision. `job` is needed for `EraseBuild` (who triggered it).
    pub fn can(&self, ability: Ability, job: Option<&Job>) -> bool {
        match ability {
            // app/policies/project_policy.rb: reporters (`reporter_access`), everyone who can
            // see a public or internal project (`public_access`), and members of any level
            // when the project has public pipelines (`public_builds & guest_access`).
            Ability::ReadPipeline => {
                self.at_least(AccessLevel::REPORTER)
                    || match self.project.visibility {
                        Visibility::Public => true,
                        Visibility::Internal => self.actor.user().is_some(),
                        Visibility::Private => false,
                    }
                    || (self.project.public_builds && self.at_least(AccessLevel::GUEST))
            }
            // Reporters read jobs; with public pipelines on, so does everyone who can see the
            // project at all: `rule { public_builds }.policy { enable :read_build }`
            // (app/policies/project_policy.rb; newest GitLab: `~public_builds` prevents
            // `_read_public_build`, which enables `read_build`). That includes guests of a
            // private project, the only non-reporters `find_project` lets through there.
            Ability::ReadBuild => {
                self.at_least(AccessLevel::REPORTER) || self.project.public_builds
            }
            Ability::UpdateBuild => self.at_least(AccessLevel::DEVELOPER),
            Ability::ForceCancel | Ability::DestroyArtifacts => {
                self.at_least(AccessLevel::MAINTAINER)
            }
            Ability::SetPipelineVariables => self.project.may_set_pipeline_variables(self.level),
            Ability::EraseBuild => {
                let owner_of_job = job.is_some_and(|job| {
                    job.user_id.is_some() && job.user_id == self.actor.user_id()
                });
                self.at_least(AccessLevel::MAINTAINER)
                    || (self.at_least(AccessLevel::DEVELOPER) && owner_of_job)
            }
        }
    }

    /// `authorize!`: `403 Forbidden` when the policy says no.
    pub fn authorize(&self, ability: Ability, job: Option<&Job>) -> Result<(), ApiError> {
        if self.can(ability, job) {
            Ok(())
        } else {
            Err(ApiError::forbidden(None))
        }
    }
}

#[cfg(test)]
mod route_tests {
    use gitlab_jobs_server::{
        GetCurrentJobRequest, GetJobRequest, ListPipelineJobsRequest, ListProjectJobsRequest,
    };

    use super::Route;

    #[test]
    fn routes_come_from_the_documents_security_requirements() {
        let route = |job_token_allowed, anonymous_allowed| Route {
            job_token_allowed,
            anonymous_allowed,
        };
        // jobs.rb single-job routes: a personal token only.
        assert_eq!(Route::of(GetJobRequest::SECURITY), route(false, false));
        // `route_setting :authentication, job_token_allowed: true` with `authenticate!`.
        assert_eq!(
            Route::of(ListProjectJobsRequest::SECURITY),
            route(true, false)
        );
        assert_eq!(
            Route::of(GetCurrentJobRequest::SECURITY),
            route(true, false)
        );
        // pipelines.rb `authenticate_non_get!`: public projects answer anonymous GETs.
        assert_eq!(
            Route::of(ListPipelineJobsRequest::SECURITY),
            route(true, true)
        );
    }
}
