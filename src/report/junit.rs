//! JUnit XML (`--junit FILE.xml`) for CI dashboards: one test suite per spec, one test case per
//! operation x check, named `<operationId>::<check>` like the `cargo test` harness; one skipped
//! test case `<operationId>::skipped` per operation left out, with its reason.

use super::view;
use crate::model::CheckName;
use crate::model::RunReport;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

/// Renders the report; checks that did not run on an operation are not listed.
pub fn render(report: &RunReport, checks: &[CheckName]) -> String {
    let views = view::findings(report);
    let mut suite = TestSuite::new(report.spec.clone());
    for op in &report.operations {
        // Only the checks that judged one of the operation's exchanges: a check that never ran
        // (no limit for `max_response_time`, no security for `ignored_auth`) did not pass.
        for check in checks.iter().filter(|c| op.checks.contains(c)) {
            let name = format!("{}::{}", op.operation, check.as_str());
            let failed: Vec<_> =
                views.iter().filter(|v| v.operation == op.operation && v.check == check.as_str()).collect();
            let status = if failed.is_empty() {
                TestCaseStatus::success()
            } else {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_message(failed.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("; "));
                status.set_type(check.as_str());
                let detail: Vec<String> = failed
                    .iter()
                    .map(|f| {
                        format!(
                            "{} ({} requests)\nexpected: {}\nreproduce: {}",
                            f.message, f.count, f.expected, f.reproduce
                        )
                    })
                    .collect();
                status.set_description(detail.join("\n\n"));
                status
            };
            let mut case = TestCase::new(name, status);
            case.set_classname(format!("conform.{}", op.operation));
            suite.add_test_case(case);
        }
    }
    // Skipped operations are skipped test cases, with their reason, so a dashboard shows them.
    for skipped in &report.stats.skipped_operations {
        let mut status = TestCaseStatus::skipped();
        status.set_message(skipped.reason.clone());
        let mut case = TestCase::new(format!("{}::skipped", skipped.operation), status);
        case.set_classname(format!("conform.{}", skipped.operation));
        suite.add_test_case(case);
    }
    let mut xml = Report::new("conform");
    xml.add_test_suite(suite);
    xml.to_string().unwrap_or_default()
}
