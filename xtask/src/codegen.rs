//! From the document to the three generated files.
//!
//! progenitor generates the client together with its types; we split the types into their
//! own crate (no HTTP dependencies) so that the client and our server share one set of
//! types, and point the client at it with `pub use gitlab_jobs_types as types;`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use quote::quote;

use crate::files::Output;
use crate::{open_enums, presence, render, server, spec};

pub const TYPES_FILE: &str = "crates/gitlab-jobs-types/src/generated.rs";
pub const CLIENT_FILE: &str = "crates/gitlab-jobs-client/src/generated.rs";
pub const SERVER_FILE: &str = "crates/gitlab-jobs-server/src/generated.rs";
/// The contract crate's copy of the document, compiled into it (and so into `gitlab-jobs
/// verify`). A copy inside the crate, not a path out of it, so that `cargo package` ships it.
pub const CONTRACT_DOCUMENT: &str = "crates/gitlab-jobs-contract/openapi/gitlab-jobs.yaml";

pub(crate) fn generate_all(root: &Path) -> anyhow::Result<Vec<Output>> {
    let document = spec::load(root)?;
    let document_text = spec::read(root)?;

    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_derive("schemars::JsonSchema")
        .with_derive("PartialEq");
    let mut generator = progenitor::Generator::new(&settings);
    let client_tokens = generator
        .generate_tokens(&progenitor_view(&document))
        .map_err(|error| anyhow::anyhow!("progenitor: {error}"))?;

    let type_space = generator.get_type_space();
    let mut types = render::parse(type_space.to_stream(), "types crate")?;
    presence::keep_always_sent_keys(&document, &mut types)?;
    open_enums::open_response_enums(&document, &mut types)?;
    let type_names = type_space.iter_types().map(|t| t.name()).collect();
    let mut client = share_types(render::parse(client_tokens, "client")?)?;
    client
        .items
        .extend(server::client_error_statuses(&document, &type_names)?);
    let server = render::parse(server::generate(&document, &type_names)?, "server crate")?;

    Ok(vec![
        output(TYPES_FILE, render::render(&types)?),
        output(CLIENT_FILE, render::render(&client)?),
        output(SERVER_FILE, render::render(&server)?),
        output(CONTRACT_DOCUMENT, document_text),
    ])
}

fn output(path: &str, contents: String) -> Output {
    Output {
        path: PathBuf::from(path),
        contents,
    }
}

/// The document as progenitor can take it. progenitor 0.15 needs one type for all the success
/// responses of an operation (`extract_responses` in its method.rs asserts it), so where an
/// operation answers a body or nothing (`POST /jobs/request`: 201 with a job, 204 without), its
/// bodiless successes are left out of the client's view: the generated client reports them as
/// `Error::UnexpectedResponse`, and the client crate's hand-written `runner` module turns that
/// 204 into `None`. The types and server are generated from the whole document.
fn progenitor_view(document: &openapiv3::OpenAPI) -> openapiv3::OpenAPI {
    let mut view = document.clone();
    for (_, item) in view.paths.paths.iter_mut() {
        let openapiv3::ReferenceOr::Item(item) = item else {
            continue;
        };
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten() {
            let success = |status: &openapiv3::StatusCode| matches!(status, openapiv3::StatusCode::Code(code) if (200..300).contains(code));
            let has_content = |response: &openapiv3::ReferenceOr<openapiv3::Response>| matches!(response, openapiv3::ReferenceOr::Item(r) if !r.content.is_empty());
            let responses = &mut operation.responses.responses;
            let with_body = responses
                .iter()
                .any(|(status, response)| success(status) && has_content(response));
            if with_body {
                responses.retain(|status, response| !success(status) || has_content(response));
            }
        }
    }
    view
}

/// Replaces the client's private copy of the types with a re-export of the types crate.
fn share_types(mut client: syn::File) -> anyhow::Result<syn::File> {
    let position = client
        .items
        .iter()
        .position(|item| matches!(item, syn::Item::Mod(m) if m.ident == "types"))
        .context("progenitor's output has no `mod types` to replace")?;
    client.items[position] = syn::parse2(quote! {
        /// Types used as operation parameters and responses (the `gitlab-jobs-types` crate).
        pub use gitlab_jobs_types as types;
    })?;
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files;

    /// A scratch workspace root holding `document` and copies of the committed outputs.
    fn scratch_root(name: &str, document: &str) -> PathBuf {
        let root = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("openapi")).expect("scratch dir");
        std::fs::write(root.join(spec::SPEC_PATH), document).expect("scratch document");
        let real = crate::workspace_root();
        for file in [TYPES_FILE, CLIENT_FILE, SERVER_FILE, CONTRACT_DOCUMENT] {
            let target = root.join(file);
            std::fs::create_dir_all(target.parent().expect("parent")).expect("dirs");
            std::fs::copy(real.join(file), target).expect("committed output");
        }
        root
    }

    fn real_document() -> String {
        std::fs::read_to_string(crate::workspace_root().join(spec::SPEC_PATH)).expect("document")
    }

    #[test]
    fn committed_output_is_current() {
        let root = crate::workspace_root();
        let outputs = generate_all(&root).expect("generate");
        let stale = files::diff_all(&root, &outputs).expect("diff");
        assert!(
            stale.is_empty(),
            "run `cargo xtask generate`:\n{}",
            stale.join("\n")
        );
    }

    #[test]
    fn a_touched_document_is_stale_until_generated() {
        let document = real_document().replacen(
            "summary: Get a single job",
            "summary: Get one single job",
            1,
        );
        assert_ne!(
            document,
            real_document(),
            "the test's edit must change the document"
        );
        let root = scratch_root("touched", &document);

        let outputs = generate_all(&root).expect("generate");
        let stale = files::diff_all(&root, &outputs).expect("diff");
        assert_eq!(
            stale.len(),
            3,
            "client and server docs carry the summary; the contract crate copies the document"
        );
        assert!(stale.iter().all(|diff| diff.contains("Get one single job")));

        files::write_all(&root, &outputs).expect("write");
        let again = generate_all(&root).expect("generate again");
        assert!(files::diff_all(&root, &again).expect("diff").is_empty());
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn generation_is_deterministic() {
        let root = crate::workspace_root();
        let first = generate_all(&root).expect("first");
        let second = generate_all(&root).expect("second");
        for (a, b) in first.iter().zip(&second) {
            assert!(
                a.contents == b.contents,
                "{} differs between runs",
                a.path.display()
            );
        }
    }

    /// Header parameters, `text/plain` request bodies, a 416 and an operation answering a body
    /// or nothing (201 or 204), as the runner's job endpoints need them.
    #[test]
    fn header_parameters_text_bodies_and_bodyless_successes_are_generated() {
        // A path and operationId of its own: the real document has the runner's endpoints.
        let operation = r#"
  /scratch/{id}/trace:
    patch:
      operationId: append_scratch_trace
      tags:
      - jobs
      summary: Append to a job's log
      description: Test operation.
      security:
      - {}
      parameters:
      - name: id
        in: path
        required: true
        schema:
          type: integer
      - name: Content-Range
        in: header
        required: false
        schema:
          type: string
      requestBody:
        required: true
        content:
          text/plain:
            schema:
              type: string
      responses:
        '201':
          description: Appended.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Error'
        '204':
          description: Nothing.
        '416':
          description: Elsewhere.
          headers:
            Range:
              required: true
              schema:
                type: string
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Error'
components:
"#;
        let document = real_document().replacen("\ncomponents:\n", operation, 1);
        let root = scratch_root("runner", &document);
        let outputs = generate_all(&root).expect("generate");
        let server = &outputs
            .iter()
            .find(|output| output.path == Path::new(SERVER_FILE))
            .expect("server output")
            .contents;
        for expected in [
            "input.header::<String>(\"Content-Range\")",
            "pub content_range: Option<String>,",
            "let body = Some(input.raw_body());",
            "pub body: bytes::Bytes,",
            "RangeNotSatisfiable {",
            "NoContent,",
        ] {
            assert!(server.contains(expected), "server lacks `{expected}`");
        }
        let client = &outputs
            .iter()
            .find(|output| output.path == Path::new(CLIENT_FILE))
            .expect("client output")
            .contents;
        assert!(client.contains("pub fn append_scratch_trace"));
        assert!(client.contains("content_range"));
        let _ = std::fs::remove_dir_all(&root);
    }
}
