//! The CI examples in `docs/ci/` cannot rot: every `conform …` command in their `run:` and
//! `script:` steps must parse with the real command line.
//!
//! The YAML is read, each shell script is split into simple commands (line continuations,
//! quotes, `&&`, pipes, `&` and redirections understood), the workflow's variables and CI
//! expressions are replaced by sample values, and each `conform` command is run as
//! `conform <same arguments> --help`. clap parses every argument before it acts on the trailing
//! `--help`, so an unknown or renamed flag, a bad value (`--partition 5/4`, `--format markdwn`)
//! or an extra positional fails (exit 2), while a command that parses prints its help and runs
//! nothing (exit 0). Each `--flag` must also appear in `conform <sub> --help`, so a failure names
//! the flag. Unknown variables are errors too: a new one needs a sample value here.

use crate::support::{conform, stderr, stdout};
use serde_json::Value;
use std::collections::BTreeMap;

const EXAMPLES: [&str; 2] = ["docs/ci/github-actions.yml", "docs/ci/gitlab-ci.yml"];

/// Sample values for what the CI system provides: GitHub `${{ … }}` expressions and the
/// variables of both systems.
const PROVIDED: [(&str, &str); 11] = [
    ("matrix.shard", "1"),
    ("strategy.job-total", "4"),
    ("GITHUB_BASE_REF", "main"),
    ("GITHUB_OUTPUT", "/tmp/github-output"),
    ("GITHUB_STEP_SUMMARY", "/tmp/github-summary"),
    ("RUNNER_TEMP", "/tmp"),
    ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
    ("CI_NODE_INDEX", "1"),
    ("CI_NODE_TOTAL", "4"),
    ("CI_PROJECT_DIR", "/builds/project"),
    ("PWD", "/work"),
];

/// A piece of a shell word.
#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    /// `$NAME` or `${NAME}`.
    Var(String),
    /// GitHub's `${{ expression }}`.
    Expr(String),
    /// `$( … )`: never resolved.
    Subst,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(Vec<Part>),
    /// `;`, newline, `&`, `&&`, `||`, `|`, `(`, `)`: the end of a simple command.
    Separator,
    /// `>`, `>>`, `<`, `2>&1`, `&>`: the next word (if any) is a file, not an argument.
    Redirect {
        takes_word: bool,
    },
}

/// Splits a POSIX shell script into tokens: enough of the shell for CI steps (no here-docs,
/// no nested quoting inside `$( … )`).
fn tokenize(script: &str) -> Vec<Token> {
    let chars: Vec<char> = script.chars().collect();
    let mut tokens = Vec::new();
    let mut word: Vec<Part> = Vec::new();
    let mut in_word = false;
    let mut i = 0;
    let push_text = |word: &mut Vec<Part>, c: char| match word.last_mut() {
        Some(Part::Text(t)) => t.push(c),
        _ => word.push(Part::Text(c.to_string())),
    };
    let end_word = |tokens: &mut Vec<Token>, word: &mut Vec<Part>, in_word: &mut bool| {
        if *in_word {
            tokens.push(Token::Word(std::mem::take(word)));
            *in_word = false;
        }
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '\\' if next == Some('\n') => i += 2,
            '\\' => {
                if let Some(n) = next {
                    push_text(&mut word, n);
                }
                in_word = true;
                i += 2;
            }
            ' ' | '\t' | '\r' => {
                end_word(&mut tokens, &mut word, &mut in_word);
                i += 1;
            }
            '#' if !in_word => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '\n' | ';' | '(' | ')' => {
                end_word(&mut tokens, &mut word, &mut in_word);
                tokens.push(Token::Separator);
                i += 1;
            }
            '|' => {
                end_word(&mut tokens, &mut word, &mut in_word);
                tokens.push(Token::Separator);
                i += if next == Some('|') { 2 } else { 1 };
            }
            '&' if next == Some('>') => {
                end_word(&mut tokens, &mut word, &mut in_word);
                tokens.push(Token::Redirect { takes_word: true });
                i += if chars.get(i + 2) == Some(&'>') { 3 } else { 2 };
            }
            '&' => {
                end_word(&mut tokens, &mut word, &mut in_word);
                tokens.push(Token::Separator);
                i += if next == Some('&') { 2 } else { 1 };
            }
            '>' | '<' => {
                // A file descriptor written just before (`2>`) belongs to the redirection.
                if matches!(word.as_slice(), [Part::Text(t)] if t.bytes().all(|b| b.is_ascii_digit())) {
                    word.clear();
                    in_word = false;
                }
                end_word(&mut tokens, &mut word, &mut in_word);
                i += 1;
                if chars.get(i) == Some(&c) {
                    i += 1;
                }
                if chars.get(i) == Some(&'&') {
                    // `>&1`, `>&-`: a descriptor, not a file.
                    i += 1;
                    while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '-') {
                        i += 1;
                    }
                    tokens.push(Token::Redirect { takes_word: false });
                } else {
                    tokens.push(Token::Redirect { takes_word: true });
                }
            }
            '\'' => {
                in_word = true;
                i += 1;
                if !matches!(word.last(), Some(Part::Text(_))) {
                    word.push(Part::Text(String::new()));
                }
                while i < chars.len() && chars[i] != '\'' {
                    push_text(&mut word, chars[i]);
                    i += 1;
                }
                i += 1;
            }
            '"' => {
                in_word = true;
                i += 1;
                if !matches!(word.last(), Some(Part::Text(_))) {
                    word.push(Part::Text(String::new()));
                }
                while i < chars.len() && chars[i] != '"' {
                    match chars[i] {
                        '\\' if matches!(chars.get(i + 1), Some('"' | '\\' | '$' | '`')) => {
                            push_text(&mut word, chars[i + 1]);
                            i += 2;
                        }
                        '$' => i = dollar(&chars, i, &mut word),
                        ch => {
                            push_text(&mut word, ch);
                            i += 1;
                        }
                    }
                }
                i += 1;
            }
            '$' => {
                in_word = true;
                i = dollar(&chars, i, &mut word);
            }
            _ => {
                in_word = true;
                push_text(&mut word, c);
                i += 1;
            }
        }
    }
    end_word(&mut tokens, &mut word, &mut in_word);
    tokens
}

/// Reads an expansion at `chars[i] == '$'` into `word`; returns the index after it.
fn dollar(chars: &[char], i: usize, word: &mut Vec<Part>) -> usize {
    let rest: String = chars[i..].iter().take(512).collect();
    if let Some(inner) = rest.strip_prefix("${{") {
        if let Some(end) = inner.find("}}") {
            word.push(Part::Expr(inner[..end].trim().to_owned()));
            return i + 3 + inner[..end].chars().count() + 2;
        }
    } else if let Some(inner) = rest.strip_prefix("${") {
        if let Some(end) = inner.find('}') {
            word.push(Part::Var(inner[..end].to_owned()));
            return i + 2 + inner[..end].chars().count() + 1;
        }
    } else if rest.starts_with("$(") {
        let mut depth = 0;
        for (k, ch) in chars.iter().enumerate().skip(i + 1) {
            match ch {
                '(' => depth += 1,
                ')' if depth == 1 => {
                    word.push(Part::Subst);
                    return k + 1;
                }
                ')' => depth -= 1,
                _ => {}
            }
        }
        word.push(Part::Subst);
        return chars.len();
    } else {
        let name: String = rest[1..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if !name.is_empty() {
            word.push(Part::Var(name.clone()));
            return i + 1 + name.len();
        }
    }
    match word.last_mut() {
        Some(Part::Text(t)) => t.push('$'),
        _ => word.push(Part::Text("$".to_owned())),
    }
    i + 1
}

/// Words a simple command may start with that are not the command.
const KEYWORDS: [&str; 10] = ["if", "then", "else", "elif", "do", "while", "until", "!", "time", "exec"];

/// The argument words (after `conform`) of every `conform` command in `script`.
fn conform_commands(script: &str) -> Vec<Vec<Vec<Part>>> {
    let mut out = Vec::new();
    let mut command: Vec<Vec<Part>> = Vec::new();
    let mut skip_next = false;
    let mut finish = |command: &mut Vec<Vec<Part>>| {
        let words = std::mem::take(command);
        let start = words.iter().position(|w| {
            let text = literal(w);
            let assignment = text.as_deref().is_some_and(|t| t.contains('=') && !t.starts_with('-'));
            !(assignment || text.as_deref().is_some_and(|t| KEYWORDS.contains(&t)))
        });
        if let Some(start) = start
            && literal(&words[start]).is_some_and(|t| t == "conform" || t.ends_with("/conform"))
        {
            out.push(words[start + 1..].to_vec());
        }
    };
    for token in tokenize(script) {
        match token {
            Token::Word(_) if skip_next => skip_next = false,
            Token::Word(w) => command.push(w),
            Token::Redirect { takes_word } => skip_next = takes_word,
            Token::Separator => {
                skip_next = false;
                finish(&mut command);
            }
        }
    }
    finish(&mut command);
    out
}

/// A word's text when it has no expansion.
fn literal(word: &[Part]) -> Option<String> {
    word.iter()
        .map(|p| match p {
            Part::Text(t) => Some(t.as_str()),
            _ => None,
        })
        .collect()
}

/// A word with its expansions replaced: `env` (the workflow's variables), then [`PROVIDED`].
fn resolve(word: &[Part], env: &BTreeMap<String, String>, depth: usize) -> Result<String, String> {
    let mut out = String::new();
    for part in word {
        match part {
            Part::Text(t) => out.push_str(t),
            Part::Var(name) => out.push_str(&lookup(name, env, depth)?),
            Part::Expr(expr) => match expr.strip_prefix("env.") {
                Some(name) => out.push_str(&lookup(name, env, depth)?),
                None => out.push_str(
                    PROVIDED
                        .iter()
                        .find(|(k, _)| k == expr)
                        .map(|(_, v)| *v)
                        .ok_or_else(|| format!("no sample value for `${{{{ {expr} }}}}`: add one to PROVIDED"))?,
                ),
            },
            Part::Subst => return Err("a `$( … )` in a conform command cannot be checked".to_owned()),
        }
    }
    Ok(out)
}

fn lookup(name: &str, env: &BTreeMap<String, String>, depth: usize) -> Result<String, String> {
    if let Some(value) = env.get(name) {
        // A variable's own value may name others (`HEALTH_URL: http://127.0.0.1:$PORT/`).
        if depth > 8 {
            return Err(format!("`${name}` expands without end"));
        }
        let tokens = tokenize(value);
        let words: Vec<String> = tokens
            .iter()
            .filter_map(|t| match t {
                Token::Word(w) => Some(resolve(w, env, depth + 1)),
                _ => None,
            })
            .collect::<Result<_, _>>()?;
        return Ok(words.join(" "));
    }
    PROVIDED
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| (*v).to_owned())
        .ok_or_else(|| format!("`${name}` is neither set by the workflow nor given a sample value in PROVIDED"))
}

/// A CI file: its scripts (`run:`, `script:`, `before_script:`, `after_script:`) and every
/// variable it sets (`env:`, `variables:`, at any level).
struct Example {
    path: &'static str,
    scripts: Vec<String>,
    env: BTreeMap<String, String>,
}

impl Example {
    fn load(path: &'static str) -> Example {
        let text = std::fs::read_to_string(crate::support::repo(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        let doc: Value = serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{path} is not YAML: {e}"));
        let mut example = Example { path, scripts: Vec::new(), env: BTreeMap::new() };
        example.walk(&doc);
        example
    }

    fn walk(&mut self, value: &Value) {
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    match (key.as_str(), v) {
                        ("run" | "script" | "before_script" | "after_script", Value::String(s)) => {
                            self.scripts.push(s.clone());
                        }
                        ("script" | "before_script" | "after_script", Value::Array(lines)) => {
                            self.scripts.extend(lines.iter().filter_map(Value::as_str).map(str::to_owned));
                        }
                        ("env" | "variables", Value::Object(vars)) => {
                            for (name, value) in vars {
                                let text = match value {
                                    Value::String(s) => s.clone(),
                                    other => other.to_string(),
                                };
                                self.env.insert(name.clone(), text);
                            }
                        }
                        _ => self.walk(v),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| self.walk(v)),
            _ => {}
        }
    }

    /// Every `conform` command, its arguments resolved.
    fn commands(&self) -> Vec<Vec<String>> {
        self.scripts
            .iter()
            .flat_map(|s| conform_commands(s))
            .map(|words| {
                words
                    .iter()
                    .map(|w| resolve(w, &self.env, 0))
                    .collect::<Result<Vec<String>, String>>()
                    .unwrap_or_else(|e| panic!("{}: {e}", self.path))
            })
            .collect()
    }
}

/// Whether the real command line accepts `args` (see the module doc); `Err` holds its message.
fn parses(args: &[String]) -> Result<(), String> {
    let mut with_help: Vec<&str> = args.iter().map(String::as_str).collect();
    with_help.push("--help");
    let out = conform(&with_help);
    match out.status.code() {
        Some(0) if stdout(&out).contains("Usage: conform") => Ok(()),
        code => Err(format!("exit {code:?}: {}{}", stderr(&out).trim(), stdout(&out).trim())),
    }
}

/// The `--long` flags of `args` that `conform <sub> --help` does not list.
fn unlisted_flags(args: &[String]) -> Vec<String> {
    let Some(sub) = args.first() else { return vec!["(no subcommand)".to_owned()] };
    let help = stdout(&conform(&[sub.as_str(), "--help"]));
    args.iter()
        .filter(|a| a.starts_with("--"))
        .map(|a| a.split('=').next().unwrap_or(a).to_owned())
        .filter(|flag| {
            !help.match_indices(flag.as_str()).any(|(at, _)| {
                let after = help[at + flag.len()..].chars().next();
                !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            })
        })
        .collect()
}

#[test]
fn every_conform_command_in_the_ci_examples_parses() {
    for path in EXAMPLES {
        let example = Example::load(path);
        let commands = example.commands();
        // Nothing slips past the shell splitting: a line that starts a conform command is found.
        let lines = example.scripts.iter().flat_map(|s| s.lines()).filter(|l| l.trim_start().starts_with("conform "));
        assert!(commands.len() >= lines.count(), "{path}: some conform commands were not extracted: {commands:?}");
        let subcommands: Vec<&str> = commands.iter().filter_map(|c| c.first().map(String::as_str)).collect();
        for sub in ["diff", "run", "mock"] {
            assert!(subcommands.contains(&sub), "{path}: no `conform {sub}` found; commands: {commands:?}");
        }
        for args in &commands {
            let shown = format!("{path}: conform {}", args.join(" "));
            if let Err(e) = parses(args) {
                panic!("{shown}\n  does not parse: {e}");
            }
            let unlisted = unlisted_flags(args);
            assert!(unlisted.is_empty(), "{shown}\n  flags not in `conform {} --help`: {unlisted:?}", args[0]);
        }
        // The gate's essentials, so that an edit cannot drop one silently.
        let has = |sub: &str, flags: &[&str]| {
            commands
                .iter()
                .any(|c| c.first().is_some_and(|s| s == sub) && flags.iter().all(|f| c.iter().any(|a| a == f)))
        };
        assert!(has("diff", &["--base", "--format", "markdown"]), "{path}: the diff must post markdown from --base");
        assert!(has("run", &["--partition", "--junit", "--snapshot-dir", "--target", "--seed"]), "{path}: run");
        let partition = commands
            .iter()
            .find(|c| c.first().is_some_and(|s| s == "run"))
            .and_then(|c| c.iter().position(|a| a == "--partition").and_then(|i| c.get(i + 1)).cloned());
        assert_eq!(partition.as_deref(), Some("1/4"), "{path}: the shard comes from the CI system");
    }
}

#[test]
fn a_renamed_or_made_up_flag_is_rejected() {
    let example = Example::load(EXAMPLES[0]);
    let run = example.commands().into_iter().find(|c| c.first().is_some_and(|s| s == "run")).expect("a conform run");
    assert_eq!(parses(&run), Ok(()));
    assert!(unlisted_flags(&run).is_empty());
    // `--partition` renamed: both guards see it.
    let renamed: Vec<String> =
        run.iter().map(|a| if a == "--partition" { "--shard".to_owned() } else { a.clone() }).collect();
    let e = parses(&renamed).unwrap_err();
    assert!(e.contains("exit Some(2)") && e.contains("--shard"), "{e}");
    assert_eq!(unlisted_flags(&renamed), ["--shard"]);
    // A made-up flag, a bad value and a stray positional fail the parse; nothing is run.
    let with = |extra: &[&str]| {
        let mut args = run.clone();
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        args
    };
    assert!(parses(&with(&["--no-such-flag"])).is_err());
    assert_eq!(unlisted_flags(&with(&["--no-such-flag"])), ["--no-such-flag"]);
    let bad_share: Vec<String> = run.iter().map(|a| if a == "1/4" { "5/4".to_owned() } else { a.clone() }).collect();
    assert!(parses(&bad_share).unwrap_err().contains("invalid value '5/4' for '--partition"));
    assert!(parses(&with(&["stray"])).is_err());
    let diff = |args: &[&str]| parses(&args.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
    assert!(diff(&["diff", "old.yaml", "new.yaml", "--format", "markdwn"]).is_err());
    assert_eq!(diff(&["diff", "old.yaml", "new.yaml", "--format", "markdown"]), Ok(()));
}

#[test]
fn scripts_split_into_commands_as_the_shell_does() {
    let script = "set +e\n\
        conform diff --base \"origin/$BASE\" \"$SPEC\" --format markdown > diff.md\n\
        echo \"status=$?\" >> \"$GITHUB_OUTPUT\"\n\
        conform mock --spec '$literal' --listen \"127.0.0.1:${PORT}\" > log 2>&1 &\n\
        X=1 conform run --spec s \\\n  --partition \"${{ matrix.shard }}/4\" # a comment\n\
        if conform run --spec a; then echo ok; fi\n\
        for i in $(seq 1 3); do curl -s x && break; done\n\
        ./bin/conform run --spec b | tee out\n\
        echo conform run --spec not-a-command\n";
    let env: BTreeMap<String, String> =
        [("BASE", "main"), ("SPEC", "s.yaml"), ("PORT", "80")].map(|(k, v)| (k.to_owned(), v.to_owned())).into();
    let commands: Vec<Vec<String>> =
        conform_commands(script).iter().map(|c| c.iter().map(|w| resolve(w, &env, 0).unwrap()).collect()).collect();
    let expected: Vec<Vec<&str>> = vec![
        vec!["diff", "--base", "origin/main", "s.yaml", "--format", "markdown"],
        vec!["mock", "--spec", "$literal", "--listen", "127.0.0.1:80"],
        vec!["run", "--spec", "s", "--partition", "1/4"],
        vec!["run", "--spec", "a"],
        vec!["run", "--spec", "b"],
    ];
    assert_eq!(commands, expected);
    let unknown = conform_commands("conform run --spec \"$NOPE\"");
    assert!(resolve(&unknown[0][2], &env, 0).unwrap_err().contains("NOPE"));
}

/// The README's "Gating changes in CI" quotes the workflow: its commands must parse too.
#[test]
fn the_readme_quotes_commands_that_parse() {
    let readme = std::fs::read_to_string(crate::support::repo("README.md")).expect("the README");
    let section = readme.split_once("## Gating changes in CI").map(|(_, rest)| rest).expect("the CI section");
    let block = section
        .split_once("```sh\n")
        .and_then(|(_, rest)| rest.split_once("\n```"))
        .map(|(block, _)| block)
        .expect("a sh block in the CI section");
    let env = Example::load(EXAMPLES[0]).env;
    let commands: Vec<Vec<String>> = conform_commands(block)
        .iter()
        .map(|c| c.iter().map(|w| resolve(w, &env, 0)).collect::<Result<_, _>>().unwrap())
        .collect();
    let subcommands: Vec<&str> = commands.iter().filter_map(|c| c.first().map(String::as_str)).collect();
    assert_eq!(subcommands, ["diff", "mock", "run"]);
    for args in &commands {
        assert_eq!(parses(args), Ok(()), "README: conform {}", args.join(" "));
        assert!(unlisted_flags(args).is_empty(), "README: conform {}", args.join(" "));
    }
}
