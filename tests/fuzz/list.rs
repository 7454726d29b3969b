//! Target `list`: the task list's query string (`ListParams::parse`): parameters within their
//! documented bounds, or one 400 `INVALID_QUERY`, never anything else.

use better_auth_actix::tasks::Priority;
use better_auth_actix::tasks::list::{ListParams, MAX_LIMIT, Order, SortKey, Status};
use proptest::prelude::*;

use crate::support;

const KEYS: &[&str] = &[
    "status", "priority", "tag", "q", "sort", "order", "limit", "offset", "x", "Limit",
];
const NUMBERS: &[&str] = &[
    "0",
    "1",
    "499",
    "500",
    "501",
    "-1",
    "+5",
    "05",
    " 5",
    "1e2",
    "0x10",
    "",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
];
const WORDS: &[&str] = &[
    "all",
    "pending",
    "completed",
    "low",
    "medium",
    "high",
    "created_at",
    "updated_at",
    "title",
    "priority",
    "due_date",
    "asc",
    "desc",
    "done",
    "ALL",
    "",
    "\0",
    "%",
    "\u{e9}",
];

/// One `key=value` pair, valid for its key most of the time, with boundary and hostile values.
fn pair() -> impl Strategy<Value = (String, String)> {
    let key =
        prop_oneof![6 => prop::sample::select(KEYS).prop_map(str::to_owned), 1 => any::<String>()];
    key.prop_flat_map(|key| {
        let value = match key.as_str() {
            "limit" | "offset" => prop_oneof![
                3 => (-2i64..600).prop_map(|n| n.to_string()),
                2 => prop::sample::select(NUMBERS).prop_map(str::to_owned),
                1 => any::<i64>().prop_map(|n| n.to_string()),
            ]
            .boxed(),
            "tag" | "q" => any::<String>().boxed(),
            _ => prop_oneof![
                6 => prop::sample::select(WORDS).prop_map(str::to_owned),
                1 => any::<String>(),
            ]
            .boxed(),
        };
        (Just(key), value)
    })
}

/// Ok params within bounds, or a 400 `INVALID_QUERY` listing one known problem per bad value.
fn check(query: &str) -> Result<Option<ListParams>, TestCaseError> {
    match ListParams::parse(query) {
        Ok(p) => {
            prop_assert!(
                (1..=MAX_LIMIT).contains(&p.limit) && p.offset >= 0,
                "{:?}",
                p
            );
            prop_assert!(p.tag.as_deref() != Some("") && p.q.as_deref() != Some(""));
            Ok(Some(p))
        }
        Err(e) => {
            let (status, body) = support::envelope(&e);
            prop_assert_eq!(status, 400);
            prop_assert_eq!(&body["code"], "INVALID_QUERY");
            let problem = regex::Regex::new(concat!(
                r"^(the query string is malformed",
                r"|(status|priority|sort|order) must be one of [a-z_]+(, [a-z_]+)+",
                r"|(limit|offset) must be an integer from \d+ to \d+",
                r"|(tag|q) must not contain NUL \(U\+0000\) characters)$",
            ))
            .unwrap();
            for part in body["message"].as_str().unwrap().split("; ") {
                prop_assert!(problem.is_match(part), "problem {:?}", part);
            }
            Ok(None)
        }
    }
}

const STATUSES: &[(&str, Status)] = &[
    ("all", Status::All),
    ("pending", Status::Pending),
    ("completed", Status::Completed),
];
const SORTS: &[(&str, SortKey)] = &[
    ("created_at", SortKey::CreatedAt),
    ("updated_at", SortKey::UpdatedAt),
    ("title", SortKey::Title),
    ("priority", SortKey::Priority),
    ("due_date", SortKey::DueDate),
];
const ORDERS: &[(&str, Order)] = &[("asc", Order::Asc), ("desc", Order::Desc)];

fn lookup<T: Copy>(table: &[(&str, T)], value: &str) -> Option<T> {
    table.iter().find(|(s, _)| *s == value).map(|(_, t)| *t)
}

/// The model: each recognised key's last value, or `None` when any recognised key has a bad value.
fn model(pairs: &[(String, String)]) -> Option<ListParams> {
    let mut p = ListParams::default();
    for (key, value) in pairs {
        let v = value.as_str();
        let number = v.parse::<i64>().ok();
        match key.as_str() {
            "status" => p.status = lookup(STATUSES, v)?,
            "priority" => p.priority = Some(Priority::parse(v)?),
            "sort" => p.sort = lookup(SORTS, v)?,
            "order" => p.order = lookup(ORDERS, v)?,
            "limit" => p.limit = number.filter(|n| (1..=MAX_LIMIT).contains(n))?,
            "offset" => p.offset = number.filter(|n| *n >= 0)?,
            "tag" => p.tag = Some(value.clone()).filter(|t| !t.is_empty()),
            "q" => p.q = Some(value.clone()).filter(|t| !t.is_empty()),
            _ => {}
        }
    }
    Some(p)
}

#[test]
fn every_seed_replays_within_bounds_or_as_invalid_query() {
    for (name, bytes) in support::corpus("list") {
        check(&String::from_utf8_lossy(&bytes)).unwrap_or_else(|e| panic!("seed {name}: {e}"));
    }
}

#[test]
fn named_seeds_parse_or_fail_as_documented() {
    let seeds = support::corpus("list");
    let parse = |name: &str| {
        let (_, bytes) = seeds.iter().find(|(n, _)| n == name).expect(name);
        ListParams::parse(&String::from_utf8_lossy(bytes))
    };
    let everything = parse("everything.txt").unwrap();
    assert_eq!(
        (everything.limit, everything.offset, everything.q.as_deref()),
        (5, 10, Some("a%b"))
    );
    assert_eq!(parse("offset-max.txt").unwrap().offset, i64::MAX);
    for name in [
        "limit-zero.txt",
        "offset-negative.txt",
        "bad-values.txt",
        "limit-bounds.txt",
        "offset-overflow.txt",
        "float-limit.txt",
        "nul.txt",
    ] {
        assert!(parse(name).is_err(), "{name}");
    }
}

proptest! {
    #![proptest_config(support::config())]

    #[test]
    fn arbitrary_query_strings_parse_within_bounds_or_as_invalid_query(query in support::text("list")) {
        check(&query)?;
    }

    #[test]
    fn encoded_parameters_parse_as_the_last_value_wins_model(
        pairs in prop::collection::vec(pair(), 0..5),
    ) {
        let query = serde_urlencoded::to_string(&pairs).unwrap();
        prop_assert_eq!(check(&query)?, model(&pairs), "{}", query);
    }
}
