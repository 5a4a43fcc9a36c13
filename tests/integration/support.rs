//! Helpers shared by the integration test modules.

use std::process::{Command, Output};

/// The repository root, absolute. These tests belong to `crates/conform-cli` (they drive its
/// binary) while their specs, snapshots and fixtures live at the root.
pub(crate) fn root() -> &'static str {
    static ROOT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ROOT.get_or_init(|| {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        std::fs::canonicalize(&root).unwrap_or(root).to_string_lossy().into_owned()
    })
}

/// Absolute path of a file in the repository.
pub(crate) fn repo(path: &str) -> String {
    format!("{}/{path}", root())
}

/// Runs the `conform` binary from the repository root, with no credentials in the environment.
pub(crate) fn conform(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_conform"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("CONFORM_TOKEN")
        .env_remove("MONGODB_ATLAS_PUBLIC_API_KEY")
        .env_remove("MONGODB_ATLAS_PRIVATE_API_KEY")
        .env_remove("MONGODB_ATLAS_CLIENT_ID")
        .env_remove("MONGODB_ATLAS_CLIENT_SECRET")
        .output()
        .expect("the conform binary runs")
}

pub(crate) fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Insta settings that store snapshots in the repository's `snapshots/` directory.
pub(crate) fn snapshots() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(repo("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings
}
