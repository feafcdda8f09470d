//! Deploy targets judged by their own tools: promtool on the plain files
//! and on the groups of every other target, the generated promtool tests
//! against every target's rules, `vmalert -dryRun` on the VictoriaMetrics
//! files, the PrometheusRule objects against the operator's published
//! schema (tests/judges/prometheusrule.mjs), a VictoriaMetrics single node
//! on loopback reading the generated queries as MetricsQL, `slogen diff` on
//! every target, and `slogen check --rules` on every format, locating what
//! is wrong in each.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::harness::{Project, promtool, repository, tool_available};

/// The fixture case with every kind: directory and kind.
const TARGETS: [(&str, &str); 5] = [
    ("prometheus", "prometheus"),
    ("k8s", "prometheus-operator"),
    ("mimir", "mimir"),
    ("thanos", "thanos"),
    ("vmalert", "victoriametrics"),
];

fn built() -> Project {
    let project = Project::copy_of(&repository().join("tests/cases/targets"));
    let run = project.slogen(&["build", "--tests", "--slo", "slo", "--out", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    project
}

fn rule_files(project: &Project, dir: &str) -> Vec<String> {
    let mut files: Vec<String> = project
        .files_under(&format!("out/{dir}"))
        .into_iter()
        .map(|file| format!("{dir}/{file}"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no rule file in {dir}");
    files
}

/// A target's file as the plain group list Prometheus reads, in JSON
/// (which YAML readers take): the groups of every `PrometheusRule`
/// document, or of the file, without the fields only the target reads.
fn plain_groups(text: &str) -> String {
    let documents: Vec<Value> = serde_saphyr::from_multiple(text).expect("a YAML file");
    let mut groups = Vec::new();
    for document in documents {
        let list = document
            .pointer("/spec/groups")
            .or_else(|| document.get("groups"))
            .and_then(Value::as_array)
            .cloned()
            .expect("groups");
        for mut group in list {
            let fields = group.as_object_mut().expect("a group is a mapping");
            for field in [
                "partial_response_strategy",
                "source_tenants",
                "evaluation_delay",
                "query_offset",
            ] {
                fields.remove(field);
            }
            groups.push(group);
        }
    }
    serde_json::to_string_pretty(&serde_json::json!({ "groups": groups })).unwrap()
}

#[test]
fn promtool_accepts_the_groups_of_every_target() {
    if !tool_available("promtool") {
        return;
    }
    let project = built();
    for (dir, kind) in TARGETS {
        let extracted = project.path().join(format!("extracted-{dir}"));
        fs::create_dir_all(&extracted).unwrap();
        let mut names = Vec::new();
        for file in rule_files(&project, dir) {
            let plain = plain_groups(&project.read(&format!("out/{file}")));
            let name = Path::new(&file)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            fs::write(extracted.join(&name), plain).unwrap();
            names.push(name);
        }
        let mut args = vec!["check", "rules", "--lint=all", "--lint-fatal"];
        args.extend(names.iter().map(String::as_str));
        let said = promtool(&args, &extracted);
        assert!(said.contains("SUCCESS"), "{kind}: {said}");
    }
    // The plain files as written, not only as extracted.
    let mut args = vec!["check", "rules", "--lint=all", "--lint-fatal"];
    let plain = rule_files(&project, "prometheus");
    args.extend(plain.iter().map(String::as_str));
    promtool(&args, &project.path().join("out"));
}

#[test]
fn the_generated_tests_pass_against_every_target() {
    if !tool_available("promtool") {
        return;
    }
    let project = built();
    let tests: Vec<String> = project
        .files_under("out/tests")
        .into_iter()
        .map(|file| format!("tests/{file}"))
        .collect();
    assert!(!tests.is_empty());
    // Each target's groups, as Prometheus reads them, in a copy of the
    // output: the tests load `prometheus/<service>.yml`, where they are
    // put. Targets whose groups come out the same text give promtool the
    // same input, so each distinct set runs once (side by side), for all
    // the targets that share it.
    let mut runs: BTreeMap<Vec<(String, String)>, Vec<&str>> = BTreeMap::new();
    for (dir, kind) in TARGETS {
        let groups = rule_files(&project, dir)
            .into_iter()
            .map(|file| {
                let plain = plain_groups(&project.read(&format!("out/{file}")));
                let name = Path::new(&file).file_name().unwrap();
                (name.to_string_lossy().into_owned(), plain)
            })
            .collect();
        runs.entry(groups).or_default().push(kind);
    }
    std::thread::scope(|scope| {
        for (index, (groups, kinds)) in runs.iter().enumerate() {
            let copy = project.path().join(format!("run-{index}"));
            crate::harness::copy_tree(&project.path().join("out"), &copy);
            for (name, plain) in groups {
                fs::write(copy.join("prometheus").join(name), plain).unwrap();
            }
            let tests = &tests;
            scope.spawn(move || {
                let mut args = vec!["test", "rules"];
                args.extend(tests.iter().map(String::as_str));
                let said = promtool(&args, &copy);
                assert!(!said.contains("FAILED"), "{}: {said}", kinds.join(", "));
            });
        }
    });
}

#[test]
fn vmalert_loads_the_victoriametrics_files() {
    if !tool_available("vmalert") {
        return;
    }
    let project = built();
    let vmalert = |pattern: &str| {
        Command::new("vmalert")
            .arg("-dryRun")
            .arg(format!("-rule={pattern}"))
            .current_dir(project.path().join("out"))
            .output()
            .expect("vmalert runs")
    };
    let output = vmalert("vmalert/*.yml");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The judge can fail: a Thanos file has a field vmalert does not know.
    let output = vmalert("thanos/*.yml");
    assert!(!output.status.success(), "vmalert accepted Thanos fields");
}

/// Runs the schema judge on files under `dir`; `None` when it cannot run.
fn prometheusrule_judge(dir: &Path, files: &[String]) -> Option<std::process::Output> {
    let judges = repository().join("tests/judges");
    if !tool_available("node") {
        return None;
    }
    if !judges.join("node_modules").is_dir() {
        let in_ci = std::env::var("CI").is_ok_and(|value| value == "true");
        assert!(!in_ci, "run `npm ci --prefix tests/judges` (see .ci/run)");
        eprintln!(
            "skipping: tests/judges/node_modules is missing (`npm ci --prefix tests/judges`)"
        );
        return None;
    }
    Some(
        Command::new("node")
            .arg(judges.join("prometheusrule.mjs"))
            .args(files)
            .current_dir(dir)
            .output()
            .expect("node runs"),
    )
}

#[test]
fn prometheus_rule_objects_match_the_operators_schema() {
    let project = built();
    let files = rule_files(&project, "k8s");
    let out = project.path().join("out");
    let Some(output) = prometheusrule_judge(&out, &files) else {
        return;
    };
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{said}");
    assert_eq!(said.matches("valid ").count(), files.len(), "{said}");
    // The judge can fail: a rule without `expr`.
    let broken = project
        .read("out/k8s/shop.yml")
        .replace("          expr:", "          exp:");
    fs::write(out.join("broken.yml"), broken).unwrap();
    let output = prometheusrule_judge(&out, &["broken.yml".to_owned()]).unwrap();
    assert!(!output.status.success());
}

#[test]
fn the_repository_example_passes_the_operators_schema() {
    let dir = repository().join("generated");
    let files: Vec<String> = fs::read_dir(dir.join("k8s"))
        .unwrap()
        .map(|entry| format!("k8s/{}", entry.unwrap().file_name().to_string_lossy()))
        .collect();
    assert!(!files.is_empty());
    if let Some(output) = prometheusrule_judge(&dir, &files) {
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
}

#[test]
fn check_rules_reads_every_format() {
    let project = built();
    let mut args = vec!["check".to_owned(), "--rules".to_owned()];
    for (dir, _) in TARGETS {
        args.extend(
            rule_files(&project, dir)
                .into_iter()
                .map(|file| format!("out/{file}")),
        );
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = project.slogen(&args);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("5 rule files"), "{}", run.stderr);
}

#[test]
fn check_rules_locates_what_is_wrong_in_each_format() {
    let project = built();
    let broken = [
        (
            "k8s/shop.yml",
            "apiVersion: monitoring.coreos.com/v1",
            "apiVersion: monitoring.coreos.com/v2",
            "apiVersion `monitoring.coreos.com/v2` is not `monitoring.coreos.com/v1`",
        ),
        (
            "mimir/shop.yml",
            "namespace: slo-shop",
            "namespace: \"\"",
            "a Mimir namespace is empty",
        ),
        (
            "thanos/shop.yml",
            "partial_response_strategy: abort",
            "partial_response_strategy: maybe",
            "partial_response_strategy `maybe` is neither `abort` nor `warn`",
        ),
        (
            "vmalert/shop.yml",
            "interval: 1m",
            "interval: 1 minute",
            "invalid duration `1 minute`",
        ),
    ];
    for (file, from, to, message) in broken {
        let path = format!("out/{file}");
        let text = project.read(&path);
        assert!(text.contains(from), "{file}");
        project.file(&path, &text.replacen(from, to, 1));
        let run = project.slogen(&["check", "--rules", &path]);
        assert_ne!(run.code, 0, "{file}");
        assert!(run.stderr.contains(message), "{file}: {}", run.stderr);
        // Located: `--> out/<file>:<line>:<column>`.
        assert!(
            run.stderr.contains(&format!("{path}:")),
            "{file}: {}",
            run.stderr
        );
    }
}

#[test]
fn unknown_target_kinds_and_keys_are_located_errors() {
    let project = Project::copy_of(&repository().join("tests/cases/targets"));
    project.file(
        "slo/slogen.toml",
        "[[target]]\nkind = \"prometheus-operatr\"\n\n[[target]]\nkind = \"thanos\"\nnamespace = \"x\"\npartial_response_strategy = \"sometimes\"\ndir = \"../up\"\n\n[[target]]\nkind = \"mimir\"\nnamespace = \"slo/{service}\"\nflavour = 1\n",
    );
    let run = project.slogen(&["build", "--slo", "slo", "--out", "out"]);
    assert_ne!(run.code, 0);
    for expected in [
        "unknown target kind `prometheus-operatr`",
        "did you mean `prometheus-operator`?",
        "target kind `thanos` does not read `namespace`",
        "unknown partial response strategy `sometimes`",
        "target directory `../up` is not a plain relative path",
        "`slo/{service}` is not a Mimir namespace this target can write",
        "unknown key `flavour` in [target]",
        "slogen.toml:2:9",
    ] {
        assert!(run.stderr.contains(expected), "{expected}: {}", run.stderr);
    }
    assert!(!project.path().join("out").exists(), "nothing is written");
}

#[test]
fn a_mimir_namespace_without_the_service_is_one_file_for_all() {
    let project = Project::copy_of(&repository().join("tests/cases/targets"));
    project.file(
        "slo/slogen.toml",
        "[[target]]\nkind = \"mimir\"\nnamespace = \"slos\"\n",
    );
    project.file(
        "slo/api.toml",
        &fs::read_to_string(repository().join("tests/cases/grouped/slo/grouped.toml")).unwrap(),
    );
    let run = project.slogen(&["build", "--slo", "slo", "--out", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(project.files_under("out/mimir"), ["slos.yml"]);
    let text = project.read("out/mimir/slos.yml");
    assert!(text.contains("from api.toml, shop.toml."), "{text}");
    assert!(text.contains("\nnamespace: slos\ngroups:\n"), "{text}");
    for group in ["slogen-api-alerts", "slogen-shop-alerts"] {
        assert!(text.contains(&format!("- name: {group}\n")), "{group}");
    }
    let run = project.slogen(&["check", "--rules", "out/mimir/slos.yml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn diff_gates_every_target() {
    let project = Project::copy_of(&repository().join("tests/cases/targets"));
    let run = project.slogen(&["build", "--slo", "slo", "--out", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = project.slogen(&["diff", "--slo", "slo", "--out", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for (dir, _) in TARGETS {
        let path = format!("out/{dir}/shop.yml");
        let text = project.read(&path);
        // A stale file: the alert group dropped, as a stale commit would.
        let stale = &text[..text.find("- name: slogen-shop-alerts").unwrap()];
        project.file(&path, stale);
        let run = project.slogen(&["diff", "--slo", "slo", "--out", "out"]);
        assert_ne!(run.code, 0, "{dir}: {}", run.stderr);
        assert!(
            run.stdout.contains(&format!("+++ b/{dir}/shop.yml")),
            "{dir}: {}",
            run.stdout
        );
        project.file(&path, &text);
    }
}

/// The no-data alert reads a series that holds a number without traffic
/// (the base total rate, per group), not the 0/0 error ratio that
/// VictoriaMetrics drops: quiet traffic raises nothing, missing metrics
/// raise it.
#[test]
fn quiet_traffic_is_not_missing_data() {
    if !tool_available("promtool") {
        return;
    }
    let project = Project::new();
    project.file(
        "slo/gateway.toml",
        "[service]\nname = \"gateway\"\nteam = \"platform\"\n\n[[slo]]\nname = \"availability\"\nobjective = 99.9\n\n[slo.sli.ratio]\nerrors = 'sum(rate(requests_total{status=~\"5..\"}[{{window}}]))'\ntotal = 'sum(rate(requests_total[{{window}}]))'\n",
    );
    let run = project.slogen(&["build", "--out", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rules = project.read("out/prometheus/gateway.yml");
    assert!(
        rules.contains("unless\n          slo:sli_total:rate5m{"),
        "{rules}"
    );
    let test = |series: &str, expected: &str| {
        format!(
            "rule_files: [prometheus/gateway.yml]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n{series}    promql_expr_test:\n      - expr: ALERTS{{alertname=\"GatewayAvailabilityNoData\",alertstate=\"firing\"}}\n        eval_time: 40m\n        exp_samples:{expected}\n"
        )
    };
    // No request at all for 40 minutes: the counter stands still.
    project.file(
        "out/quiet.yml",
        &test(
            "      - series: requests_total{status=\"200\"}\n        values: 5x60\n",
            " []",
        ),
    );
    // The metric is missing.
    project.file(
        "out/missing.yml",
        &test(
            "      - series: other_total\n        values: 5x60\n",
            "\n          - labels: 'ALERTS{alertname=\"GatewayAvailabilityNoData\",alertstate=\"firing\",severity=\"warning\",slogen_service=\"gateway\",slogen_slo=\"availability\",team=\"platform\"}'\n            value: 1",
        ),
    );
    for file in ["quiet.yml", "missing.yml"] {
        let judgement = crate::harness::promtool_test(&project.path().join("out").join(file));
        assert!(judgement.passed, "{file}: {}", judgement.output);
    }
}

/// A VictoriaMetrics single node on a free loopback port, stopped on drop.
struct VictoriaMetrics {
    child: std::process::Child,
    address: String,
    _data: tempfile::TempDir,
}

impl VictoriaMetrics {
    fn start() -> Self {
        let data = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let address = format!("127.0.0.1:{port}");
        let child = Command::new("victoria-metrics")
            .arg(format!("-storageDataPath={}", data.path().display()))
            .arg(format!("-httpListenAddr={address}"))
            .arg("-search.disableCache")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("victoria-metrics starts");
        let server = Self {
            child,
            address,
            _data: data,
        };
        // Up within 20 s, or the test fails.
        for _ in 0..200 {
            if server
                .request("GET", "/health", "")
                .is_some_and(|body| body.contains("OK"))
            {
                return server;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("victoria-metrics did not start on {}", server.address);
    }

    /// One HTTP/1.0 request; the body of a 2xx answer.
    fn request(&self, method: &str, path: &str, body: &str) -> Option<String> {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&self.address).ok()?;
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .ok()?;
        write!(
            stream,
            "{method} {path} HTTP/1.0\r\nHost: {}\r\nContent-Length: {}\r\n\r\n{body}",
            self.address,
            body.len()
        )
        .ok()?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).ok()?;
        let (head, body) = answer.split_once("\r\n\r\n")?;
        head.split(' ')
            .nth(1)?
            .starts_with('2')
            .then(|| body.to_owned())
    }

    /// The samples of an instant query at `time` (seconds).
    fn query(&self, expr: &str, time: u64) -> Vec<Value> {
        let encoded: String = expr
            .bytes()
            .map(|byte| {
                if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
                    (byte as char).to_string()
                } else {
                    format!("%{byte:02X}")
                }
            })
            .collect();
        let body = self
            .request(
                "GET",
                &format!("/api/v1/query?query={encoded}&time={time}"),
                "",
            )
            .unwrap_or_else(|| panic!("query failed: {expr}"));
        let answer: Value = serde_json::from_str(&body).unwrap();
        answer["data"]["result"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

impl Drop for VictoriaMetrics {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// MetricsQL reads the generated queries as PromQL does, but drops the NaN
/// of 0/0: with no traffic the error ratio is absent in VictoriaMetrics,
/// while the total rate the no-data alert reads is 0.
#[test]
fn victoriametrics_reads_quiet_traffic_as_the_no_data_alert_expects() {
    if !tool_available("victoria-metrics") {
        return;
    }
    let project = built();
    let rules = project.read("out/vmalert/shop.yml");
    let file: Value = serde_saphyr::from_str(&rules).unwrap();
    let group = &file["groups"][0];
    let expr = |record: &str| {
        group["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|rule| rule["record"] == record)
            .and_then(|rule| rule["expr"].as_str())
            .unwrap_or_else(|| panic!("no {record}"))
            .to_owned()
    };
    let errors = expr("slo:sli_errors:rate5m");
    let total = expr("slo:sli_total:rate5m");
    assert!(total.contains("http_requests_total"), "{total}");
    let server = VictoriaMetrics::start();
    // 40 minutes of a counter that stands still, two hours ago.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let start = now - 2 * 3600;
    let lines: String = (0..40)
        .map(|minute| {
            format!(
                "http_requests_total{{job=\"checkout\",code=\"200\"}} 5 {}\n",
                (start + minute * 60) * 1000
            )
        })
        .collect();
    server
        .request("POST", "/api/v1/import/prometheus", &lines)
        .expect("import");
    server.request("GET", "/internal/force_flush", "");
    let at = start + 39 * 60;
    let total_now = server.query(&total, at);
    assert_eq!(
        total_now.len(),
        1,
        "the total rate is recorded: {total_now:?}"
    );
    assert_eq!(total_now[0]["value"][1], "0");
    let ratio = format!("({errors})\n/\n({total})");
    assert_eq!(
        server.query(&ratio, at),
        Vec::<Value>::new(),
        "0/0 is dropped"
    );
    assert_eq!(
        server.query(&format!("absent({total})"), at),
        Vec::<Value>::new()
    );
    assert_eq!(server.query(&format!("absent({ratio})"), at).len(), 1);
}
