//! Values of `Entities::User` that GitLab derives rather than stores.

/// `UsersHelper#work_information` (`app/helpers/users_helper.rb`), without schema markup as the
/// API calls it: `<job_title> at <organization>` when both are present, else the one that is,
/// else nothing. Rails' `present?` treats whitespace-only text as absent.
pub fn work_information(job_title: Option<&str>, organization: Option<&str>) -> Option<String> {
    match (present(job_title), present(organization)) {
        (Some(job_title), Some(organization)) => Some(format!("{job_title} at {organization}")),
        (Some(only), None) | (None, Some(only)) => Some(only.to_owned()),
        (None, None) => None,
    }
}

/// Rails' `present?` for text: not nil and not only whitespace.
fn present(text: Option<&str>) -> Option<&str> {
    text.filter(|text| !text.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_title_at_organization_or_whichever_is_present() {
        assert_eq!(
            work_information(Some("Engineer"), Some("ACME")).as_deref(),
            Some("Engineer at ACME")
        );
        assert_eq!(
            work_information(Some("Engineer"), Some("  ")).as_deref(),
            Some("Engineer")
        );
        assert_eq!(
            work_information(Some(""), Some("ACME")).as_deref(),
            Some("ACME")
        );
        assert_eq!(work_information(None, None), None);
        assert_eq!(work_information(Some(" "), Some("")), None);
    }
}
