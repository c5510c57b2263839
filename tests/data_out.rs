//! Data out, read as a data scientist reads it: the tidy CSV of every built-in with a CSV
//! reader, and the Parquet tables of `--export` with a Parquet reader, every row of each
//! checked against the JSON report of the same run.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::path::Path;

use assert_cmd::Command;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use serde_json::{json, Value};

use shoplab::scenario::BUILT_INS;

fn shoplab() -> Command {
    Command::cargo_bin("shoplab").unwrap()
}

/// Runs `shoplab run SCENARIO --shoppers N --days D` with more arguments; returns stdout.
fn run(scenario: &str, size: (u32, u32), more: &[&str]) -> String {
    let (shoppers, days) = (size.0.to_string(), size.1.to_string());
    let mut args = vec!["run", scenario, "--shoppers", &shoppers, "--days", &days];
    args.extend(more);
    let out = shoplab()
        .args(&args)
        .assert()
        .success()
        .get_output()
        .clone();
    String::from_utf8(out.stdout).unwrap()
}

fn json_of(scenario: &str, size: (u32, u32), more: &[&str]) -> Value {
    let mut args = vec!["--format", "json"];
    args.extend(more);
    serde_json::from_str(&run(scenario, size, &args)).unwrap()
}

/// The arm of the JSON report with this name.
fn arm<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["arms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("no arm {name}"))
}

/// A CSV cell as the JSON value it stands for: empty is null, then a number, a boolean or
/// text.
fn csv_value(cell: &str) -> Value {
    if cell.is_empty() {
        Value::Null
    } else if let Ok(x) = cell.parse::<u64>() {
        json!(x)
    } else if let Ok(x) = cell.parse::<f64>() {
        json!(x)
    } else if let Ok(b) = cell.parse::<bool>() {
        json!(b)
    } else {
        json!(cell)
    }
}

/// Whether two JSON values are the same number (compared as f64, exactly), or equal.
fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// What a tidy row (arms table or CSV) must hold, from the JSON report.
fn expected_row(report: &Value, arm_name: &str, metric: &str, column: &str) -> Value {
    let a = arm(report, arm_name);
    let vs = &a["vs_control"];
    match column {
        "scenario" => report["scenario"]["name"].clone(),
        "seed" => report["scenario"]["seed"].clone(),
        "arm" => a["name"].clone(),
        "baseline" => a["baseline"].clone(),
        "metric" => json!(metric),
        "value" => a[metric].clone(),
        _ if vs.is_null() => Value::Null,
        // Every comparison column is one the JSON names.
        _ => vs[metric]
            .get(column)
            .unwrap_or_else(|| panic!("the JSON has no {column}"))
            .clone(),
    }
}

/// Checks tidy rows (column names and values) against the report: every arm × compared
/// metric once, every cell equal to the JSON's.
fn check_tidy(report: &Value, header: &[String], rows: &[Vec<Value>], what: &str) {
    let arms = report["arms"].as_array().unwrap();
    assert_eq!(
        rows.len(),
        arms.len() * 6,
        "{what}: one row per arm × metric"
    );
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut seen = BTreeMap::new();
    for row in rows {
        assert_eq!(row.len(), header.len(), "{what}: a row of another width");
        let name = row[col("arm")].as_str().unwrap();
        let metric = row[col("metric")].as_str().unwrap();
        *seen
            .entry((name.to_string(), metric.to_string()))
            .or_insert(0) += 1;
        for (h, cell) in header.iter().zip(row) {
            let want = expected_row(report, name, metric, h);
            assert!(
                same(cell, &want),
                "{what}: {name} {metric} {h}: {cell} but the JSON says {want}"
            );
        }
    }
    assert!(seen.values().all(|&n| n == 1), "{what}: a row twice");
}

#[test]
fn every_builtin_csv_is_tidy_and_agrees_with_its_json() {
    for (name, _) in BUILT_INS {
        let size = (1000, 5);
        let text = run(name, size, &["--format", "csv"]);
        let report = json_of(name, size, &[]);
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(
            header[..6],
            ["scenario", "seed", "arm", "baseline", "metric", "value"],
            "{name}"
        );
        let rows: Vec<Vec<Value>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(csv_value).collect())
            .collect();
        check_tidy(&report, &header, &rows, &format!("{name} CSV"));
    }
}

/// A Parquet table's column names and rows, cells as JSON values.
fn table(dir: &Path, name: &str) -> (Vec<String>, Vec<Vec<Value>>) {
    let path = dir.join(format!("{name}.parquet"));
    let reader = SerializedFileReader::new(File::open(&path).unwrap()).unwrap();
    let header = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    let rows = reader
        .get_row_iter(None)
        .unwrap()
        .map(|row| {
            row.unwrap()
                .get_column_iter()
                .map(|(_, field)| match field {
                    Field::Null => Value::Null,
                    Field::Bool(b) => json!(b),
                    Field::UByte(x) => json!(x),
                    Field::UShort(x) => json!(x),
                    Field::UInt(x) => json!(x),
                    Field::ULong(x) => json!(x),
                    Field::Float(x) => json!(x),
                    Field::Double(x) => json!(x),
                    Field::Str(s) => json!(s),
                    other => panic!("{name}: unexpected {other:?}"),
                })
                .collect()
        })
        .collect();
    (header, rows)
}

/// The cells of one column.
fn column<'a>(t: &'a (Vec<String>, Vec<Vec<Value>>), name: &str) -> Vec<&'a Value> {
    let i = t.0.iter().position(|h| h == name).unwrap();
    t.1.iter().map(|r| &r[i]).collect()
}

/// Sums a column by the value of another.
fn sum_by(t: &(Vec<String>, Vec<Vec<Value>>), key: &str, value: &str) -> BTreeMap<String, f64> {
    let mut sums = BTreeMap::new();
    for (k, v) in column(t, key).into_iter().zip(column(t, value)) {
        *sums.entry(k.to_string()).or_insert(0.0) += v.as_f64().unwrap();
    }
    sums
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn export_writes_every_table_and_each_agrees_with_the_report() {
    check_export("default", (3000, 8), &[]);
}

/// Arms compared with baselines of their own, each with two copies of its strategies, one of
/// them logging with exact propensities.
#[test]
fn an_export_of_copies_and_baselines_agrees_with_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("copies.toml");
    fs::write(
        &scenario,
        "name = \"copies\"\n[catalog]\nproducts = 300\n\
         [[arms]]\nname = \"best\"\nrecommender = \"popularity\"\n\
         [[arms]]\nname = \"random\"\nrecommender = \"random\"\n\
         [[arms]]\nname = \"cf\"\nrecommender = \"item-cf\"\nbaseline = \"random\"\n\
         [experiment]\nreplicates = 2\ntrue_effect = true\n",
    )
    .unwrap();
    check_export(scenario.to_str().unwrap(), (3000, 6), &["random"]);
}

/// Exports a run of `scenario` with its events and checks every table against the JSON
/// report of the same run; `random_arms` log with propensities, the others without.
fn check_export(scenario: &str, size: (u32, u32), random_arms: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tables");
    let export = ["--export", out.to_str().unwrap(), "--events"];
    let report = json_of(scenario, size, &export);
    // Recording orders and impressions draws nothing: the results are the same without.
    assert_eq!(
        report,
        json_of(scenario, size, &[]),
        "export changed the run"
    );
    let arms = report["arms"].as_array().unwrap();
    let names: Vec<String> = arms.iter().map(|a| a["name"].to_string()).collect();
    let total = |key: &str| -> BTreeMap<String, f64> {
        arms.iter()
            .map(|a| (a["name"].to_string(), a[key].as_f64().unwrap()))
            .collect()
    };

    let (header, rows) = table(&out, "arms");
    check_tidy(&report, &header, &rows, "arms.parquet");

    let shoppers = table(&out, "shoppers");
    assert_eq!(shoppers.1.len() as u32, size.0);
    for key in ["visits", "orders", "revenue"] {
        let sums = sum_by(&shoppers, "arm", key);
        for name in &names {
            assert!(
                close(sums[name], total(key)[name]),
                "shoppers {key} of {name}"
            );
        }
    }
    let lapsed = shoppers
        .1
        .iter()
        .filter(|r| r[column_index(&shoppers, "lapsed")] == json!(true));
    let churned: f64 = arms
        .iter()
        .map(|a| a["churn_rate"].as_f64().unwrap() * a["shoppers"].as_f64().unwrap())
        .sum();
    assert_eq!(lapsed.count() as f64, churned.round(), "lapsed shoppers");

    let transactions = table(&out, "transactions");
    for (key, json_key) in [("revenue", "revenue"), ("margin", "gross_margin")] {
        let sums = sum_by(&transactions, "arm", key);
        for name in &names {
            assert!(
                close(sums[name], total(json_key)[name]),
                "transactions {key}"
            );
        }
    }
    let orders = sum_by(&transactions, "arm", "units");
    for name in &names {
        assert_eq!(orders[name], total("units")[name], "units of {name}");
    }
    check_order_days(&shoppers, &transactions);

    let events = table(&out, "events");
    check_events(
        &events,
        &total("impressions"),
        &total("clicks"),
        random_arms,
    );

    let days = table(&out, "days");
    check_days(&report, &days, u64::from(size.1));
    check_segments(&report, &table(&out, "segments"), &shoppers);

    let products = table(&out, "products");
    assert_eq!(
        products.1.len() as i64,
        report["scenario"]["products"].as_i64().unwrap()
    );
    let leftovers: Vec<_> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

fn column_index(t: &(Vec<String>, Vec<Vec<Value>>), name: &str) -> usize {
    t.0.iter().position(|h| h == name).unwrap()
}

type Rows = (Vec<String>, Vec<Vec<Value>>);

/// The compared metrics, in report order.
const COMPARED: [&str; 6] = [
    "conversion_rate",
    "buyer_rate",
    "aov",
    "revenue_per_shopper",
    "margin_per_shopper",
    "cart_abandonment_rate",
];

/// Every row of `days` against the JSON: each day's counts equal the report's `daily` row
/// of that arm and day, the cumulative conversion equals the days' counts so far, the day's
/// own conversion that day's, and the last day's metrics, lifts, intervals and p-values equal
/// the report's.
fn check_days(report: &Value, days: &Rows, horizon: u64) {
    let arms = report["arms"].as_array().unwrap();
    assert_eq!(
        days.1.len() as u64,
        arms.len() as u64 * horizon,
        "a row per arm and day"
    );
    let mut so_far: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for row in &days.1 {
        assert_eq!(row.len(), days.0.len());
        let at = |name: &str| &row[column_index(days, name)];
        let name = at("arm").as_str().unwrap();
        let a = arm(report, name);
        let day = at("day").as_u64().unwrap();
        assert_eq!(at("baseline"), &a["baseline"], "{name} day {day}");
        let daily = &a["daily"][day as usize];
        assert_eq!(daily["day"], json!(day));
        for (key, want) in daily.as_object().unwrap() {
            if key != "day" {
                assert!(
                    same(at(key), want),
                    "{name} day {day} {key}: {} vs {want}",
                    at(key)
                );
            }
        }
        let (orders, visits) = (
            at("orders").as_f64().unwrap(),
            at("visits").as_f64().unwrap(),
        );
        let sums = so_far.entry(name.to_string()).or_default();
        sums.0 += orders;
        sums.1 += visits;
        if sums.1 > 0.0 {
            assert!(close(
                at("conversion_rate").as_f64().unwrap(),
                sums.0 / sums.1
            ));
        }
        match at("conversion_rate_day").as_f64() {
            Some(x) => assert!(close(x, orders / visits), "{name} day {day}"),
            None => assert_eq!(visits, 0.0),
        }
        if day + 1 < horizon {
            continue;
        }
        for metric in COMPARED.iter().chain(&["open_rate", "churn_rate"]) {
            assert!(same(at(metric), &a[metric]), "{name} last day's {metric}");
        }
        for metric in COMPARED {
            for part in [
                "lift",
                "ci_low",
                "ci_high",
                "p_value",
                "true_lift",
                "rollout_lift",
            ] {
                let want = a["vs_control"][metric][part].clone();
                let got = at(&format!("{metric}_{part}"));
                assert!(
                    same(got, &want),
                    "{name} last day's {metric}_{part}: {got} vs {want}"
                );
            }
        }
        let sequential = report["experiment"]["sequential"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| arms[s["arm"].as_u64().unwrap() as usize]["name"] == name)
            .map_or(Value::Null, |s| s["sequential_p"].clone());
        assert!(
            same(at("conversion_rate_p_value_sequential"), &sequential),
            "{name}"
        );
    }
}

/// Every row of `segments` against the shoppers it slices, read from `shoppers`: the level's
/// shopper count and the arm's value of each metric among them, and the Holm and BH columns
/// as the adjustment of every raw p-value of the table.
fn check_segments(report: &Value, segments: &Rows, shoppers: &Rows) {
    // Per (dimension, level, arm): shoppers, buyers, visits, orders, revenue, margin,
    // abandoned carts.
    let mut slices: BTreeMap<(String, String, String), [f64; 7]> = BTreeMap::new();
    for r in &shoppers.1 {
        let at = |name: &str| &r[column_index(shoppers, name)];
        let n = |name: &str| at(name).as_f64().unwrap();
        let arm = at("arm").as_str().unwrap().to_string();
        let cohort = if n("signup_day") > 0.0 {
            "new"
        } else {
            "existing"
        };
        let mut levels = vec![("cohort", cohort.to_string())];
        if let Some(segment) = at("segment").as_str() {
            levels.push(("segment", segment.to_string()));
        }
        for (dimension, level) in levels {
            let s = slices
                .entry((dimension.into(), level, arm.clone()))
                .or_default();
            let add = [
                1.0,
                f64::from(u8::from(n("orders") > 0.0)),
                n("visits"),
                n("orders"),
                n("revenue"),
                n("margin"),
                n("abandoned_carts"),
            ];
            s.iter_mut().zip(add).for_each(|(s, x)| *s += x);
        }
    }
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
    let arms = report["arms"].as_array().unwrap().len();
    assert_eq!(
        segments.1.len(),
        slices.len() * 6,
        "a row per level × arm × metric"
    );
    assert_eq!(slices.len() % arms, 0);
    let mut raw = Vec::new();
    for row in &segments.1 {
        let at = |name: &str| &row[column_index(segments, name)];
        let key = (
            at("dimension").as_str().unwrap().to_string(),
            at("level").as_str().unwrap().to_string(),
            at("arm").as_str().unwrap().to_string(),
        );
        let [n, buyers, visits, orders, revenue, margin, abandoned] = slices[&key];
        assert_eq!(at("shoppers"), &json!(n as u64), "{key:?}");
        let metric = at("metric").as_str().unwrap();
        let want = match metric {
            "conversion_rate" => ratio(orders, visits),
            "buyer_rate" => ratio(buyers, n),
            "aov" => ratio(revenue, orders),
            "revenue_per_shopper" => ratio(revenue, n),
            "margin_per_shopper" => ratio(margin, n),
            "cart_abandonment_rate" => ratio(abandoned, orders + abandoned),
            other => panic!("unexpected metric {other}"),
        };
        let got = at("value").as_f64().unwrap();
        assert!(close(got, want), "{key:?} {metric}: {got} vs {want}");
        if let Some(p) = at("p_value").as_f64() {
            raw.push((
                p,
                at("p_value_holm").as_f64().unwrap(),
                at("p_value_bh").as_f64().unwrap(),
            ));
        }
    }
    // Holm: the i-th smallest of m p-values times (m − i), running maximum, capped at 1;
    // Benjamini–Hochberg: times m / rank, running minimum from the largest.
    let m = raw.len();
    assert!(m > 0, "no tests in segments");
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| raw[a].0.total_cmp(&raw[b].0));
    let mut running = 0.0_f64;
    for (i, &k) in order.iter().enumerate() {
        running = running.max(((m - i) as f64 * raw[k].0).min(1.0));
        assert!(close(raw[k].1, running), "Holm of p = {}", raw[k].0);
    }
    let mut running = 1.0_f64;
    for (i, &k) in order.iter().enumerate().rev() {
        running = running.min(raw[k].0 * m as f64 / (i + 1) as f64);
        assert!(close(raw[k].2, running), "BH of p = {}", raw[k].0);
    }
}

/// Each shopper's first and last order day and revenue agree with their transactions.
fn check_order_days(
    shoppers: &(Vec<String>, Vec<Vec<Value>>),
    tx: &(Vec<String>, Vec<Vec<Value>>),
) {
    let mut by_shopper: BTreeMap<u64, (u64, u64, f64)> = BTreeMap::new();
    for r in &tx.1 {
        let id = r[column_index(tx, "shopper")].as_u64().unwrap();
        let day = r[column_index(tx, "day")].as_u64().unwrap();
        let revenue = r[column_index(tx, "revenue")].as_f64().unwrap();
        let e = by_shopper.entry(id).or_insert((day, day, 0.0));
        e.0 = e.0.min(day);
        e.1 = e.1.max(day);
        e.2 += revenue;
    }
    for r in &shoppers.1 {
        let id = r[column_index(shoppers, "shopper")].as_u64().unwrap();
        let first = &r[column_index(shoppers, "first_order_day")];
        let last = &r[column_index(shoppers, "last_order_day")];
        let revenue = r[column_index(shoppers, "revenue")].as_f64().unwrap();
        match by_shopper.get(&id) {
            Some(&(f, l, total)) => {
                assert_eq!((first, last), (&json!(f), &json!(l)), "shopper {id}");
                assert!(close(revenue, total), "shopper {id} revenue");
            }
            None => assert!(first.is_null() && last.is_null() && revenue == 0.0),
        }
    }
}

/// Every impression is counted once, and its outcomes nest: bought ⇒ carted ⇒ clicked ⇒
/// examined; probabilities are probabilities.
fn check_events(
    events: &(Vec<String>, Vec<Vec<Value>>),
    impressions: &BTreeMap<String, f64>,
    clicks: &BTreeMap<String, f64>,
    random_arms: &[&str],
) {
    let at = |r: &Vec<Value>, name: &str| r[column_index(events, name)].clone();
    let mut counted: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for r in &events.1 {
        let flag = |name| at(r, name) == json!(true);
        assert!(!flag("bought") || flag("carted"));
        assert!(!flag("carted") || flag("clicked"));
        assert!(!flag("clicked") || flag("examined"));
        for p in ["examine_probability", "click_probability"] {
            let x = at(r, p).as_f64().unwrap();
            assert!((0.0..=1.0).contains(&x), "{p} {x}");
        }
        // Only a random slate says how likely it was; no cross-sell list does.
        let random = random_arms.iter().any(|&a| at(r, "arm") == json!(a));
        assert_eq!(
            at(r, "propensity").is_null(),
            !random || flag("cross_sell"),
            "{r:?}"
        );
        let e = counted.entry(at(r, "arm").to_string()).or_default();
        e.0 += 1.0;
        e.1 += f64::from(u8::from(flag("clicked")));
    }
    for (name, &(n, clicked)) in &counted {
        assert_eq!(n, impressions[name], "impressions of {name}");
        // Clicks on products found through search are not impressions.
        assert!(clicked <= clicks[name] && clicked > 0.0, "clicks of {name}");
    }
}

#[test]
fn tables_are_byte_identical_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let files = |threads: &str| -> BTreeMap<String, Vec<u8>> {
        let out = dir.path().join(threads);
        let export = [
            "--export",
            out.to_str().unwrap(),
            "--events",
            "--threads",
            threads,
        ];
        run("default", (3000, 5), &export);
        fs::read_dir(&out)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().into_string().unwrap(),
                    fs::read(e.path()).unwrap(),
                )
            })
            .collect()
    };
    let one = files("1");
    assert_eq!(one.len(), 7, "{:?}", one.keys());
    assert!(one == files("3"), "tables differ between thread counts");
}

/// The `random` recommender's propensity is 1 / (products on sale that day) at every slate
/// position, computed from the exported catalog; no other arm claims one.
#[test]
fn random_slates_carry_their_exact_propensity() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("launches.toml");
    fs::write(
        &scenario,
        "shoppers = 2000\ndays = 6\n[catalog]\nproducts = 300\nlaunch_share = 0.3\n\
         [[arms]]\nname = \"best\"\nrecommender = \"popularity\"\n\
         [[arms]]\nname = \"random\"\nrecommender = \"random\"\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    run(
        scenario.to_str().unwrap(),
        (2000, 6),
        &["--export", out.to_str().unwrap(), "--events"],
    );
    let products = table(&out, "products");
    let launches: Vec<u64> = column(&products, "launch_day")
        .iter()
        .map(|d| d.as_u64().unwrap())
        .collect();
    assert!(
        launches.iter().any(|&d| d > 0),
        "no product launches during the run"
    );
    let events = table(&out, "events");
    let mut checked = 0;
    for r in &events.1 {
        let at = |name: &str| &r[column_index(&events, name)];
        let propensity = at("propensity");
        if at("arm") == &json!("random") && at("cross_sell") == &json!(false) {
            let day = at("day").as_u64().unwrap();
            let on_sale = launches.iter().filter(|&&d| d <= day).count();
            assert_eq!(propensity, &json!(1.0 / on_sale as f64), "day {day}");
            checked += 1;
        } else {
            assert!(propensity.is_null(), "{r:?}");
        }
    }
    assert!(checked > 1000, "only {checked} random impressions");
}

#[test]
fn an_export_folder_that_cannot_be_made_is_bad_input_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    fs::write(&file, "not a folder").unwrap();
    let target = file.join("tables");
    shoplab()
        .args(["run", "default", "--export", target.to_str().unwrap()])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicates::str::contains(target.to_str().unwrap()));
    shoplab()
        .args(["run", "default", "--events"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--export"));
}

/// The names in a folder, sorted.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// Interrupted while its logs stream, an export removes its temporary tables and leaves the
/// tables of an earlier run as they were.
#[test]
fn an_interrupted_export_leaves_no_half_table() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("arms.parquet"), "an earlier run").unwrap();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_shoplab"))
        .args(["run", "default", "--shoppers", "400000", "--days", "60"])
        .args(["--threads", "1", "--events", "--export"])
        .arg(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !names_in(dir.path()).iter().any(|n| n.ends_with(".tmp")) {
        assert!(
            started.elapsed().as_secs() < 30,
            "no temporary table appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(names_in(dir.path()), ["arms.parquet"]);
    assert_eq!(
        fs::read_to_string(dir.path().join("arms.parquet")).unwrap(),
        "an earlier run"
    );
}

/// An export without `--events` into a folder holding an earlier run's event log says the
/// log is not this run's; an export that wrote the log says nothing of the kind.
#[test]
fn an_event_log_left_by_an_earlier_run_is_pointed_out() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let export = |events: bool| -> String {
        let mut args = vec!["run", "aa-test", "--shoppers", "300", "--days", "2"];
        args.extend(["--export", out.to_str().unwrap()]);
        if events {
            args.push("--events");
        }
        let done = shoplab().args(&args).assert().success();
        String::from_utf8_lossy(&done.get_output().stderr).into_owned()
    };
    let stale = "is from an earlier run (this one ran without --events)";
    let first = export(true);
    assert!(first.contains("wrote 7 Parquet tables:"), "{first}");
    assert!(!first.contains(stale), "{first}");
    let second = export(false);
    assert!(
        second.contains(&format!("{} {stale}", out.join("events.parquet").display())),
        "{second}"
    );
}
