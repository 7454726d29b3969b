//! Migrations (Better Auth's exact schema, adopting a database Better Auth already migrated) and TLS.

use better_auth_actix::db::ConnectOptions;
use diesel::QueryableByName;
use diesel_async::RunQueryDsl as _;

use crate::helpers::database::{is_sqlite, migrate, postgres_only, sqlite_backend};
use crate::helpers::{TestApp, empty_database, fresh_database, query_text, sql, test_config};

/// Better Auth 1.7's own DDL for the backend the tests run on.
fn better_auth_ddl() -> &'static str {
    if sqlite_backend() {
        include_str!("../fixtures/better-auth-1.7-sqlite-schema.sql")
    } else {
        include_str!("../fixtures/better-auth-1.7-schema.sql")
    }
}

const BETTER_AUTH_TABLES: &str = "'user','session','account','verification','jwks','rateLimit'";

/// Columns, constraints and indexes of Better Auth's six tables, one line each, sorted.
fn describe_schema(database_url: &str) -> String {
    if is_sqlite(database_url) {
        return describe_sqlite_schema(database_url);
    }
    let query = r#"
        SELECT string_agg(line, E'\n' ORDER BY line) AS value FROM (
          SELECT format('column %s.%s %s null=%s default=%s', table_name, column_name, data_type, is_nullable, coalesce(column_default, '-')) AS line
            FROM information_schema.columns
           WHERE table_schema = 'public' AND table_name IN ('user','session','account','verification','jwks','rateLimit')
          UNION ALL
          SELECT format('constraint %s %s', conname, pg_get_constraintdef(c.oid))
            FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
           WHERE t.relname IN ('user','session','account','verification','jwks','rateLimit')
          UNION ALL
          SELECT format('index %s', indexdef) FROM pg_indexes
           WHERE schemaname = 'public' AND tablename IN ('user','session','account','verification','jwks','rateLimit')
        ) lines"#;
    query_text(database_url, query).expect("schema description")
}

/// The SQLite flavour: every `sqlite_master` entry of the six tables (its SQL as stored, which is
/// the creating statement without `IF NOT EXISTS`), their columns (`pragma_table_info`), foreign
/// keys and indexes with their uniqueness, one line each, sorted.
fn describe_sqlite_schema(database_url: &str) -> String {
    let query = format!(
        r#"
        SELECT string_agg(line, char(10) ORDER BY line) AS value FROM (
          SELECT 'object ' || type || ' ' || name || ' on ' || tbl_name || ': ' || coalesce(sql, '-') AS line
            FROM sqlite_master WHERE tbl_name IN ({BETTER_AUTH_TABLES})
          UNION ALL
          SELECT 'column ' || m.name || '.' || c.name || ' ' || c.type || ' notnull=' || c."notnull"
                 || ' default=' || coalesce(c.dflt_value, '-') || ' pk=' || c.pk
            FROM sqlite_master m, pragma_table_info(m.name) c
           WHERE m.type = 'table' AND m.name IN ({BETTER_AUTH_TABLES})
          UNION ALL
          SELECT 'foreign key ' || m.name || '.' || f."from" || ' -> ' || f."table" || '.' || f."to"
                 || ' on delete ' || f.on_delete || ' on update ' || f.on_update
            FROM sqlite_master m, pragma_foreign_key_list(m.name) f
           WHERE m.type = 'table' AND m.name IN ({BETTER_AUTH_TABLES})
          UNION ALL
          SELECT 'index ' || m.name || '.' || i.name || ' unique=' || i."unique" || ' origin=' || i.origin
            FROM sqlite_master m, pragma_index_list(m.name) i
           WHERE m.type = 'table' AND m.name IN ({BETTER_AUTH_TABLES})
        ) lines"#
    );
    query_text(database_url, &query).expect("schema description")
}

#[tokio::test]
async fn migrations_create_exactly_better_auths_schema() {
    let ours = empty_database();
    migrate(&ours).await;
    let theirs = empty_database();
    sql(&theirs, better_auth_ddl());
    let described = describe_schema(&ours);
    assert_eq!(described, describe_schema(&theirs));
    // Not two empty descriptions: all six tables are there, with their columns.
    for table in [
        "user",
        "session",
        "account",
        "verification",
        "jwks",
        "rateLimit",
    ] {
        assert!(
            described.contains(&format!("column {table}.id ")),
            "{table} in {described}"
        );
    }
}

/// A user and its credential account as Better Auth writes them on this backend (PostgreSQL:
/// timestamptz and boolean; SQLite: `toISOString()` text and 0/1), with a Node scrypt hash of
/// "password123".
fn better_auth_rows(database_url: &str, hash: &str) -> String {
    if is_sqlite(database_url) {
        format!(
            r#"INSERT INTO "user" VALUES ('u1234567890123456789012345678901', 'Node', 'node@example.com', 0, NULL, '2026-11-24T21:44:44.205Z', '2026-11-24T21:44:44.205Z');
           INSERT INTO account VALUES ('a1234567890123456789012345678901', 'u1234567890123456789012345678901', 'credential', 'u1234567890123456789012345678901', NULL, NULL, NULL, NULL, NULL, NULL, '{hash}', '2026-11-24T21:44:44.206Z', '2026-11-24T21:44:44.206Z');"#
        )
    } else {
        format!(
            r#"INSERT INTO "user" VALUES ('u1234567890123456789012345678901', 'Node', 'node@example.com', false, NULL, '2026-11-24 21:44:44.205+00', '2026-11-24 21:44:44.205+00');
           INSERT INTO account VALUES ('a1234567890123456789012345678901', 'u1234567890123456789012345678901', 'credential', 'u1234567890123456789012345678901', NULL, NULL, NULL, NULL, NULL, NULL, '{hash}', now(), now());"#
        )
    }
}

/// Every `user` and `account` row, with each value's storage class on SQLite.
fn dump_rows(database_url: &str) -> Option<String> {
    let query = if is_sqlite(database_url) {
        r#"SELECT string_agg(row, '|') AS value FROM (
             SELECT quote(id) || quote(name) || quote(email) || quote("emailVerified") || quote(image)
                    || quote("createdAt") || quote("updatedAt") AS row FROM "user"
             UNION ALL
             SELECT quote(id) || quote("accountId") || quote("providerId") || quote("userId")
                    || quote(password) || quote("createdAt") || quote("updatedAt") FROM account)"#
    } else {
        r#"SELECT string_agg(t::text, '|') AS value FROM (SELECT * FROM "user" UNION ALL SELECT NULL,NULL,NULL,NULL,NULL,NULL,NULL) t"#
    };
    query_text(database_url, query)
}

#[tokio::test]
async fn migrations_adopt_a_database_better_auth_created_without_changing_data() {
    let url = empty_database();
    sql(&url, better_auth_ddl());
    // A user written by Node Better Auth: password "password123" in its scrypt format.
    let hash = better_auth_actix::auth::password::PasswordHasher::new(
        better_auth_actix::config::PasswordHasherKind::Scrypt,
        1,
    )
    .unwrap()
    .hash(&"password123".into())
    .await
    .unwrap();
    sql(&url, &better_auth_rows(&url, &hash));
    let before = describe_schema(&url);
    let rows_before = dump_rows(&url);
    assert!(
        rows_before
            .as_deref()
            .is_some_and(|rows| rows.contains("node@example.com")),
        "{rows_before:?}"
    );
    let applied = migrate(&url).await;
    assert_eq!(applied.len(), 2, "both migrations ran: {applied:?}");
    assert_eq!(
        describe_schema(&url),
        before,
        "the Better Auth tables are untouched"
    );
    assert_eq!(dump_rows(&url), rows_before);
    assert!(migrate(&url).await.is_empty(), "idempotent");

    let app = TestApp::start(test_config(&url)).await;
    let response = app.sign_in("node@example.com", "password123").await;
    assert_eq!(response.status, 200);
}

#[tokio::test]
async fn down_migrations_remove_everything_they_created() {
    let url = empty_database();
    migrate(&url).await;
    let (backend, tables, indexes) = if is_sqlite(&url) {
        (
            "sqlite",
            // sqlite_sequence is SQLite's own (AUTOINCREMENT's counters) and cannot be dropped.
            "SELECT CAST(count(*) AS TEXT) AS value FROM sqlite_master WHERE type = 'table' AND name NOT IN ('__diesel_schema_migrations', 'sqlite_sequence')",
            "SELECT CAST(count(*) AS TEXT) AS value FROM sqlite_master WHERE type = 'index' AND tbl_name <> '__diesel_schema_migrations'",
        )
    } else {
        (
            "postgres",
            "SELECT count(*)::text AS value FROM pg_tables WHERE schemaname = 'public' AND tablename <> '__diesel_schema_migrations'",
            "SELECT count(*)::text AS value FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '__diesel_schema_migrations'",
        )
    };
    assert_eq!(query_text(&url, tables).as_deref(), Some("7"));
    assert_ne!(query_text(&url, indexes).as_deref(), Some("0"));
    for dir in [
        "2026-11-24-000002_task",
        "2026-11-24-000001_better_auth_schema",
    ] {
        let down = std::fs::read_to_string(format!(
            "{}/migrations/{backend}/{dir}/down.sql",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        sql(&url, &down);
    }
    assert_eq!(query_text(&url, tables).as_deref(), Some("0"));
    assert_eq!(query_text(&url, indexes).as_deref(), Some("0"));
}

#[derive(QueryableByName)]
struct Ssl {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    ssl: bool,
}

async fn uses_tls(url: &str) -> Result<bool, String> {
    let mut conn = ConnectOptions::parse(url)
        .map_err(|e| e.to_string())?
        .connect()
        .await
        .map_err(|e| e.to_string())?;
    let row: Ssl = diesel::sql_query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .get_result(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
    Ok(row.ssl)
}

#[tokio::test]
async fn sslmode_is_honoured_against_a_tls_enabled_postgres() {
    if postgres_only("TLS to a database server") {
        return;
    }
    let base = "postgres://postgres@localhost:5432/postgres";
    assert!(!uses_tls(&format!("{base}?sslmode=disable")).await.unwrap());
    assert!(uses_tls(&format!("{base}?sslmode=require")).await.unwrap());
    assert!(
        uses_tls(&format!("{base}?sslmode=require&channel_binding=require"))
            .await
            .unwrap(),
        "Neon's URL shape"
    );
    assert!(
        uses_tls(base).await.unwrap(),
        "prefer is the default and upgrades when the server offers TLS"
    );
    let unverified = uses_tls(&format!("{base}?sslmode=verify-full")).await;
    assert!(
        unverified.is_err(),
        "a self-signed certificate fails verify-full"
    );
    let pinned =
        format!("{base}?sslmode=verify-full&sslrootcert=/etc/ssl/certs/ssl-cert-snakeoil.pem");
    assert!(
        uses_tls(&pinned).await.unwrap(),
        "verify-full with the certificate as root"
    );
    assert!(ConnectOptions::parse(&format!("{base}?sslmode=bogus")).is_err());
}

#[tokio::test]
async fn the_server_runs_over_a_tls_database_connection() {
    if postgres_only("TLS to a database server") {
        return;
    }
    let url = format!(
        "{}?sslmode=require",
        fresh_database().replace("127.0.0.1", "localhost")
    );
    let app = TestApp::start(test_config(&url)).await;
    app.sign_up().await;
    assert_eq!(app.get("/ready").await.status, 200);
}
