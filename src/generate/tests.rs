//! Generator tests over the shipped specs, Twilio, and small documents that exercise one rule each.

use super::*;

fn repo(path: &str) -> String {
    format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))
}

fn atlas() -> Arc<Spec> {
    Arc::new(Spec::load(&repo("specs/atlas-maintenance-window.yaml")).unwrap())
}

#[test]
fn smoke() {
    let g = Generator::new(atlas(), GenerateConfig::default()).unwrap();
    for id in g.case_ids().into_iter().take(5) {
        let c = g.case(id).unwrap();
        println!("{}", serde_json::to_string(&c).unwrap());
    }
}

