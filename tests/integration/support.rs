//! Helpers shared by the integration test modules.

use std::process::{Command, Output};

/// Absolute path of a file in the repository.
pub fn repo(path: &str) -> String {
    format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))
}

/// Runs the `conform` binary from the repository root, with no credentials in the environment.
pub fn conform(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_conform"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env_remove("CONFORM_TOKEN")
        .env_remove("MONGODB_ATLAS_PUBLIC_API_KEY")
        .env_remove("MONGODB_ATLAS_PRIVATE_API_KEY")
        .env_remove("MONGODB_ATLAS_CLIENT_ID")
        .env_remove("MONGODB_ATLAS_CLIENT_SECRET")
        .output()
        .expect("the conform binary runs")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Insta settings that store snapshots in the repository's `snapshots/` directory.
pub fn snapshots() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(repo("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings
}
