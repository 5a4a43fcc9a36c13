#!/usr/bin/env python3
"""Side-by-side comparison of conform and Schemathesis findings on one server (issue 19, item 5).

Reads conform's JSON report (--report) and Schemathesis's NDJSON event stream (--report ndjson)
or, failing that, its JUnit XML (--report junit: a coarser fallback, since it does not say
which requests were meant to be valid and keeps one example per failure), and groups every finding of both tools into
*distinct findings*: (operation, kind), where kind is one of the classes below, derived from the
same facts for both tools (status, check, whether the request was meant to be valid). It prints
per kind how many distinct findings both tools share, and which each one alone has, with one
example each, so that a person can classify them. An optional verdicts file (JSON list of
{"kind", "operation" (glob, optional), "text" (substring, optional), "verdict": "true"|"false",
"why"}) labels them; the first matching rule wins.

Standard library only. Usage:
  real_world/parity.py CONFORM.json SCHEMATHESIS.ndjson|SCHEMATHESIS.xml [--spec SPEC.yaml]
                       [--verdicts FILE.json] [--only-common-operations]
"""

import argparse
import base64
import fnmatch
import json
import re
import sys
import xml.etree.ElementTree as ET

KINDS = [
    ("server_error", "5xx answer"),
    ("content_type", "Content-Type not documented for the status"),
    ("response_schema", "body or header breaks its documented schema"),
    ("undocumented_status", "status not documented for the operation (not a 4xx refusal)"),
    ("undocumented_rejection", "invalid request rejected with a 4xx the operation does not document"),
    ("valid_rejected", "schema-valid request refused with a 4xx"),
    ("invalid_accepted", "schema-violating request accepted"),
    ("method", "undeclared method not answered 405"),
    ("allow_header", "405 without an Allow header (RFC 9110)"),
    ("auth", "answered 2xx without or with wrong credentials"),
    ("stateful", "a write not reflected, or a created/deleted item read wrongly"),
    ("spec_gap", "field the server requires or rejects that the spec does not say"),
    ("other", "anything else"),
]
KIND_NAMES = [k for k, _ in KINDS]

# Schemathesis check codes (st explain) to kinds.
ST_CODES = {
    "ST101": "server_error",
    "ST102": "server_error",
    "ST103": "undocumented_status",
    "ST104": "content_type",
    "ST105": "content_type",
    "ST106": "content_type",
    "ST107": "response_schema",
    "ST108": "response_schema",
    "ST109": "response_schema",
    "ST110": "response_schema",
    "ST111": "response_schema",
    "ST201": "invalid_accepted",
    "ST202": "valid_rejected",
    "ST203": "invalid_accepted",
    "ST204": "method",
    "ST205": "allow_header",
    "ST301": "stateful",
    "ST302": "stateful",
    "ST401": "auth",
    "ST402": "auth",
}

CONFORM_CHECKS = {
    "not_a_server_error": "server_error",
    "status_code_conformance": "undocumented_status",
    "content_type_conformance": "content_type",
    "response_schema_conformance": "response_schema",
    "response_headers_conformance": "response_schema",
    "negative_data_rejection": "invalid_accepted",
    "type_coercion_accepted": "invalid_accepted",
    "positive_data_acceptance": "valid_rejected",
    "ignored_auth": "auth",
    "stateful_conformance": "stateful",
    "unsupported_method": "method",
    "allow_header_conformance": "allow_header",
    "undocumented_constraint": "spec_gap",
}


class Finding:
    def __init__(self, tool, operation, kind, status, text, request, severity="error"):
        self.tool, self.operation, self.kind = tool, operation, kind
        self.status, self.text, self.request, self.severity = status, text, request, severity
        self.count = 1

    def key(self):
        """A distinct finding: the operation and kind, and for a wrong Content-Type the media
        type received (problem+json and text/html on one operation are two findings)."""
        if self.kind in ("allow_header", "method"):
            # A property of the path, filed by each tool under one of its operations.
            return (self.operation.split(" ", 1)[-1], self.kind, "")
        if self.kind == "content_type":
            m = re.search(r"(?:Content-Type |Received: )([\w.+-]+/[\w.+-]+)", self.text)
            return (self.operation, self.kind, m.group(1).lower() if m else "")
        return (self.operation, self.kind, "")


def kinds_for(check_kind, status, valid, text):
    """The one kind a failure stands for, from facts both tools report: a 5xx is a server error
    whichever check saw it; a 4xx to a schema-valid request is a refusal of valid data whichever
    check saw it (a spec gap when the server names a field as required or unknown); a 4xx with
    an undocumented status to an invalid request is an undocumented rejection; a 405 without
    Allow is its own kind."""
    refusal_checks = ("undocumented_status", "valid_rejected", "stateful")
    if status is not None and status >= 500 and check_kind in refusal_checks + ("server_error",):
        return ["server_error"]
    if check_kind == "method" and status == 405 and "allow" in text.lower():
        return ["allow_header"]
    if check_kind in refusal_checks and status is not None and 400 <= status < 500:
        if valid or check_kind == "valid_rejected":
            return ["spec_gap" if spec_gap_words(text) else "valid_rejected"]
        if check_kind == "undocumented_status":
            return ["undocumented_rejection"]
    return [check_kind]


def spec_gap_words(text):
    t = text.lower()
    return any(w in t for w in ("missing data for required field", "unknown field", "required property", "is a required property"))


def read_spec_paths(spec_path):
    """operationId -> "METHOD /path", from the spec (YAML read by a tiny indentation parser is
    not worth it: JSON specs only, else the conform report's own operation list is used)."""
    if not spec_path:
        return {}
    try:
        with open(spec_path) as f:
            spec = json.load(f)
    except (OSError, ValueError):
        return {}
    out = {}
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            if isinstance(op, dict) and "operationId" in op:
                out[op["operationId"]] = f"{method.upper()} {path}"
    return out


def read_conform(path, spec_path=None):
    with open(path) as f:
        report = json.load(f)
    names = read_spec_paths(spec_path)
    for op in report.get("operations", []):
        if "method" in op and "path" in op:
            names.setdefault(op["operation"], f"{op['method'].upper()} {op['path']}")
    tested = {names.get(op["operation"], op["operation"]) for op in report.get("operations", []) if op.get("requests", 0) > 0}
    findings = []
    for f in report.get("failures", []):
        check_kind = CONFORM_CHECKS.get(f["check"], "other")
        status = (f.get("response") or {}).get("status")
        case = f.get("case") or {}
        valid = case.get("kind") == "valid" or (f["check"] == "stateful_conformance" and "valid request" in f["message"])
        text = f["message"]
        body = (f.get("response") or {}).get("body")
        if body is not None:
            text += " | " + json.dumps(body)[:300]
        req = f.get("request") or {}
        request = f"{req.get('method', '')} {req.get('url', '')}"
        op = names.get(f["operation"], f["operation"])
        for kind in kinds_for(check_kind, status, valid, text):
            x = Finding("conform", op, kind, status, text, request, f.get("severity", "error"))
            x.count = f.get("count", 1)
            findings.append(x)
    return findings, tested, report


def _decode(payload):
    if isinstance(payload, dict) and "$base64" in payload:
        return base64.b64decode(payload["$base64"]).decode("utf-8", "replace")
    return payload if isinstance(payload, str) else ""


def read_schemathesis_ndjson(path):
    findings, tested = [], set()
    with open(path) as f:
        for line in f:
            event = json.loads(line)
            done = event.get("ScenarioFinished")
            if not done:
                continue
            recorder = done.get("recorder") or {}
            label = recorder.get("label", "")
            if recorder.get("cases"):
                tested.add(label)
            for case_id, checks in (recorder.get("checks") or {}).items():
                case = (recorder.get("cases") or {}).get(case_id, {}).get("value", {})
                mode = ((case.get("meta") or {}).get("generation") or {}).get("mode")
                interaction = (recorder.get("interactions") or {}).get(case_id) or {}
                response = interaction.get("response") or {}
                status = response.get("status_code")
                req = interaction.get("request") or {}
                for check in checks:
                    if check.get("status") == "success":
                        continue
                    failure = (check.get("failure_info") or {}).get("failure") or {}
                    code = failure.get("code", "")
                    text = f"{failure.get('title', '')}: {failure.get('message', '')}".replace("\n", " ")
                    text += " | " + _decode(response.get("content"))[:300].replace("\n", " ")
                    op = failure.get("operation") or label
                    for kind in kinds_for(ST_CODES.get(code, "other"), status, mode == "positive", text):
                        findings.append(Finding("schemathesis", op, kind, status, text, f"{req.get('method', '')} {req.get('uri', '')}"))
    return findings, tested


def read_schemathesis_junit(path):
    """JUnit has no request mode; a failure's text holds code, status and body."""
    findings, tested = [], set()
    for case in ET.parse(path).getroot().iter("testcase"):
        op = case.get("name", "")
        tested.add(op)
        for failure in case.findall("failure"):
            body = failure.text or ""
            for block in re.split(r"\n\d+\. Test Case ID", body):
                for code in sorted(set(re.findall(r"- (ST\d{3})", block))) or [failure.get("message", "")]:
                    m = re.search(r"\[(\d{3})\]", block)
                    status = int(m.group(1)) if m else None
                    curl = re.search(r"curl [^\n]*", block)
                    text = " ".join(block.split())[:400]
                    for kind in kinds_for(ST_CODES.get(code, "other"), status, "Schema-valid" in block, text):
                        findings.append(Finding("schemathesis", op, kind, status, text, curl.group(0) if curl else ""))
    return findings, tested


def distinct(findings):
    out = {}
    for f in findings:
        if f.key() in out:
            out[f.key()].count += f.count
        else:
            out[f.key()] = f
    return out


def load_verdicts(path):
    if not path:
        return []
    with open(path) as f:
        return json.load(f)


def verdict(rules, finding):
    for rule in rules:
        if rule.get("kind") and rule["kind"] != finding.kind:
            continue
        if rule.get("tool") and rule["tool"] != finding.tool:
            continue
        if rule.get("operation") and not fnmatch.fnmatchcase(finding.operation, rule["operation"]):
            continue
        if rule.get("text") and rule["text"].lower() not in finding.text.lower():
            continue
        return rule["verdict"], rule.get("why", "")
    return "unclassified", ""


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("conform")
    ap.add_argument("schemathesis")
    ap.add_argument("--spec", help="JSON spec, to name conform's operations METHOD /path")
    ap.add_argument("--verdicts", help="JSON list of classification rules")
    ap.add_argument("--only-common-operations", action="store_true", help="ignore operations only one tool tested")
    ap.add_argument("--examples", action="store_true", help="print one example per distinct finding")
    args = ap.parse_args(argv)

    conform, c_tested, report = read_conform(args.conform, args.spec)
    if args.schemathesis.endswith(".xml"):
        st, s_tested = read_schemathesis_junit(args.schemathesis)
    else:
        st, s_tested = read_schemathesis_ndjson(args.schemathesis)
    if args.only_common_operations:
        common = c_tested & s_tested
        conform = [f for f in conform if f.operation in common]
        st = [f for f in st if f.operation in common]
    c, s = distinct(conform), distinct(st)
    rules = load_verdicts(args.verdicts)

    print(f"operations tested: conform {len(c_tested)}, schemathesis {len(s_tested)}, both {len(c_tested & s_tested)}")
    only_c = sorted(c_tested - s_tested)
    if only_c:
        print(f"  tested by conform only: {', '.join(only_c)}")
    print()
    header = f"{'kind':<24} {'both':>5} {'conform only':>13} {'schemathesis only':>18}"
    print(header)
    print("-" * len(header))
    totals = {"both": 0, "c": 0, "s": 0}
    for kind in KIND_NAMES:
        ck = {k for k in c if k[1] == kind}
        sk = {k for k in s if k[1] == kind}
        if not ck and not sk:
            continue
        both, oc, os_ = len(ck & sk), len(ck - sk), len(sk - ck)
        totals["both"] += both
        totals["c"] += oc
        totals["s"] += os_
        print(f"{kind:<24} {both:>5} {oc:>13} {os_:>18}")
    print("-" * len(header))
    print(f"{'distinct findings':<24} {totals['both']:>5} {totals['c']:>13} {totals['s']:>18}")

    tally = {}
    for tool, mine, theirs in (("conform", c, s), ("schemathesis", s, c)):
        for key, f in mine.items():
            v, _ = verdict(rules, f)
            tally[(tool, v)] = tally.get((tool, v), 0) + 1
    if rules:
        print()
        for tool in ("conform", "schemathesis"):
            print(f"{tool}: " + ", ".join(f"{v} {n}" for (t, v), n in sorted(tally.items()) if t == tool))

    for title, mine, theirs in (
        ("found by schemathesis, not by conform", s, c),
        ("found by conform, not by schemathesis", c, s),
        ("found by both", c, s),
    ):
        keys = sorted(k for k in mine if (k in theirs) == (title == "found by both"))
        print(f"\n{title}: {len(keys)}")
        for key in keys:
            f = mine[key]
            v, why = verdict(rules, f)
            detail = f" {key[2]}" if key[2] else ""
            line = f"  [{v}] {f.kind:<22} {f.operation}  ({f.status}{detail})"
            if why:
                line += f"  -- {why}"
            print(line)
            if args.examples:
                print(f"        {f.text[:220]}")
                print(f"        {f.request[:220]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
