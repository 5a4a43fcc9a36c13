//! Arbitrary answers (status, headers, body, envelope) to requests generated for one Atlas
//! operation, judged by every check; the failures then go through the report views, the
//! redaction layer, every renderer and snapshot normalisation. Nothing may panic, and a known
//! secret must never come out of any rendering.

#![no_main]

use arbitrary::Arbitrary;
use conform::check::identity::Identity;
use conform::check::{self, AuthProbe, CheckContext, CheckSet, Exchange, Response};
use conform::generate::{Case, GenerateConfig, Generator};
use conform::model::{AuthMode, Credentials, Example, Finding, OperationStats, RunReport, Sent, Stats};
use conform::report;
use conform::spec::Spec;
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

const SECRET: &str = "fuzz-s3cr3t-t0ken";
const TARGET: &str = "http://127.0.0.1:4040/api/atlas/v2";

#[derive(Debug, Arbitrary)]
enum Name {
    ContentType,
    Location,
    RetryAfter,
    WwwAuthenticate,
    SetCookie,
    Other(String),
}

#[derive(Debug, Arbitrary)]
enum Scalar {
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
    Secret,
    Null,
}

impl Scalar {
    fn value(&self) -> Value {
        match self {
            Scalar::Int(n) => json!(n),
            Scalar::Float(f) => json!(f),
            Scalar::Bool(b) => json!(b),
            Scalar::Str(s) => json!(s),
            Scalar::Secret => json!(format!("echo {SECRET} echo")),
            Scalar::Null => Value::Null,
        }
    }
}

/// Bodies: raw bytes, or JSON shaped like the operation's (so schemas get past the first
/// keyword), optionally in an envelope.
#[derive(Debug, Arbitrary)]
enum Body {
    Raw(Vec<u8>),
    Window(Vec<(u8, Scalar)>),
    Error { error: Scalar, code: Scalar, detail: Scalar },
    Envelope { status: Scalar, content: Box<Body> },
    Array(Vec<Scalar>),
}

const FIELDS: [&str; 9] = [
    "dayOfWeek",
    "hourOfDay",
    "startASAP",
    "numberOfDeferrals",
    "autoDeferOnceEnabled",
    "protectedHours",
    "timeZoneId",
    "groupId",
    "x",
];

impl Body {
    fn value(&self) -> Option<Value> {
        Some(match self {
            Body::Raw(_) => return None,
            Body::Window(fields) => Value::Object(
                fields.iter().map(|(k, v)| (FIELDS[*k as usize % FIELDS.len()].to_owned(), v.value())).collect(),
            ),
            Body::Error { error, code, detail } => {
                json!({"error": error.value(), "errorCode": code.value(), "detail": detail.value()})
            }
            Body::Envelope { status, content } => {
                json!({"status": status.value(), "content": content.value().unwrap_or(Value::Null)})
            }
            Body::Array(items) => Value::Array(items.iter().map(Scalar::value).collect()),
        })
    }

    fn bytes(&self) -> Vec<u8> {
        match self {
            Body::Raw(b) => b.clone(),
            other => serde_json::to_vec(&other.value()).unwrap_or_default(),
        }
    }
}

#[derive(Debug, Arbitrary)]
struct Input {
    operation: u8,
    case: u16,
    envelope: bool,
    probe: Option<bool>,
    status: u16,
    content_type: Option<u8>,
    headers: Vec<(Name, String)>,
    body: Body,
    truncated: bool,
    elapsed_ms: u16,
    /// Whether the run vouches for its credentials (the embedded mock's own).
    trusted: bool,
}

const CONTENT_TYPES: [&str; 6] = [
    "application/vnd.atlas.2023-01-01+json",
    "application/json",
    "application/json; charset=utf-8",
    "text/plain",
    "application/vnd.atlas.2025-03-12+json",
    "",
];

struct Fixture {
    spec: Arc<Spec>,
    cases: Vec<Vec<Case>>,
    /// Atlas declares no item ids (its window is a singleton): a made-up rule, so that the
    /// identity check runs too.
    identity: BTreeMap<String, Identity>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/atlas-maintenance-window.yaml");
        let spec = Arc::new(Spec::load(path).expect("the Atlas spec loads"));
        let config = GenerateConfig { seed: 1, cases: 20, ..GenerateConfig::default() };
        let generator = Generator::new(spec.clone(), config).expect("a generator");
        let mut cases = vec![Vec::new(); spec.operations.len()];
        for id in generator.case_ids() {
            if let Some(case) = generator.case(id) {
                cases[id.operation].push(case);
            }
        }
        let rule = Identity { param: "groupId".into(), field: "groupId".into() };
        Fixture { spec, cases, identity: [("getGroupMaintenanceWindow".to_owned(), rule)].into() }
    })
}

fuzz_target!(|input: Input| {
    let fx = fixture();
    // The fixed operation: the GET (most checks apply), or the PATCH (request bodies).
    let op_index = if input.operation % 2 == 0 { 0 } else { 1 };
    let cases = &fx.cases[op_index];
    let mut case = cases[input.case as usize % cases.len()].clone();
    if input.envelope {
        case.request.query.push(("envelope".into(), "true".into()));
    }
    let mut headers: Vec<(String, String)> = Vec::new();
    if let Some(ct) = input.content_type {
        headers.push(("content-type".into(), CONTENT_TYPES[ct as usize % CONTENT_TYPES.len()].into()));
    }
    for (name, value) in &input.headers {
        let name = match name {
            Name::ContentType => "content-type".to_owned(),
            Name::Location => "location".to_owned(),
            Name::RetryAfter => "retry-after".to_owned(),
            Name::WwwAuthenticate => "www-authenticate".to_owned(),
            Name::SetCookie => "set-cookie".to_owned(),
            Name::Other(n) => n.to_ascii_lowercase(),
        };
        headers.push((name, value.replace("{secret}", SECRET)));
    }
    let response = Response {
        status: input.status,
        headers,
        body: input.body.bytes(),
        truncated: input.truncated,
        elapsed: Duration::from_millis(input.elapsed_ms.into()),
    };
    let probe = input.probe.map(|wrong| if wrong { AuthProbe::WrongCredentials } else { AuthProbe::NoCredentials });
    let operation = &fx.spec.operations[op_index];
    let ctx = CheckContext {
        expect_acceptance: true,
        pinned: vec!["groupId".into()],
        trusted_credentials: input.trusted,
        max_response_time: Some(Duration::from_millis(1000)),
        identity: fx.identity.clone(),
        ..CheckContext::default()
    };
    let exchange = Exchange { operation, case: &case, request: &case.request, response: &response, probe };
    let failures = check::run(CheckSet::all(), &ctx, &exchange);

    // Through every renderer, as the runner would hand it over.
    let sent = Sent {
        method: case.request.method.as_str().to_owned(),
        url: format!("{TARGET}{}", case.request.path),
        headers: vec![("Authorization".into(), format!("Bearer {SECRET}")), ("X-Api-Key".into(), SECRET.into())],
        body: case.request.body.as_ref().map(|b| b.to_bytes().into()),
        ..Sent::default()
    };
    let example =
        Example { case: case.clone(), sent, response: Some(response.clone()), credentials: Credentials::Configured };
    let findings: Vec<Finding> = failures
        .iter()
        .map(|f| Finding {
            check: f.check,
            operation: operation.id.clone(),
            operation_index: op_index,
            message: f.message.clone(),
            signature: f.signature.clone(),
            count: 1,
            example: example.clone(),
            shrunk: false,
            steps: vec![example.clone()],
            severity: f.severity,
        })
        .collect();
    let run = RunReport {
        spec: "atlas-maintenance-window.yaml".into(),
        target: TARGET.into(),
        seed: 1,
        auth: AuthMode::Bearer,
        stats: Stats { operations: 1, requests: 1, failures: findings.len(), ..Stats::default() },
        operations: vec![OperationStats {
            operation: operation.id.clone(),
            method: operation.method.as_str().to_owned(),
            path: operation.path.clone(),
            requests: 1,
            failures: findings.len(),
            // Every check listed, so that JUnit renders every finding.
            checks: conform::check::CheckName::ALL.to_vec(),
            ..OperationStats::default()
        }],
        findings,
        spec_findings: Vec::new(),
        secrets: vec![SECRET.into()],
        internal_errors: Vec::new(),
        // Warnings are rendered too: one that quotes the secret must come out redacted.
        warnings: vec![format!("a warning that quotes {SECRET}")],
        strict: false,
        errors: vec![format!("an error that quotes {SECRET}")],
        coverage: conform::model::coverage::Coverage::new(std::slice::from_ref(operation)),
    };
    let mut outputs = vec![
        report::terminal::render(&run, report::terminal::Style { color: false }),
        report::json::render(&run),
        report::junit::render(&run, &conform::check::CheckName::ALL),
    ];
    for view in report::view::findings(&run) {
        let body = report::snapshot::normalize(&report::snapshot::content(&view), &run.target);
        outputs.push(report::snapshot::name(&run.spec, &view, &body));
        outputs.push(body);
    }
    for out in &outputs {
        assert!(!out.contains(SECRET), "the secret leaked into:\n{out}");
    }
});
