//! Migrations (Better Auth's exact schema, adopting a database Better Auth already migrated) and TLS.

use better_auth_actix::db::ConnectOptions;
use diesel::QueryableByName;
use diesel_async::RunQueryDsl as _;

use crate::helpers::database::migrate;
use crate::helpers::{TestApp, empty_database, fresh_database, query_text, sql, test_config};

const BETTER_AUTH_DDL: &str = include_str!("../fixtures/better-auth-1.7-schema.sql");

/// Columns, constraints and indexes of Better Auth's six tables, one line each, sorted.
fn describe_schema(database_url: &str) -> String {
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

#[tokio::test]
async fn migrations_create_exactly_better_auths_schema() {
    let ours = empty_database();
    migrate(&ours).await;
    let theirs = empty_database();
    sql(&theirs, BETTER_AUTH_DDL);
    assert_eq!(describe_schema(&ours), describe_schema(&theirs));
}

#[tokio::test]
async fn migrations_adopt_a_database_better_auth_created_without_changing_data() {
    let url = empty_database();
    sql(&url, BETTER_AUTH_DDL);
    // A user written by Node Better Auth: password "password123" in its scrypt format.
    let hash = better_auth_actix::auth::password::PasswordHasher::new(
        better_auth_actix::config::PasswordHasherKind::Scrypt,
        1,
    )
    .unwrap()
    .hash(&"password123".into())
    .await
    .unwrap();
    sql(
        &url,
        &format!(
            r#"INSERT INTO "user" VALUES ('u1234567890123456789012345678901', 'Node', 'node@example.com', false, NULL, '2026-11-24 21:44:44.205+00', '2026-11-24 21:44:44.205+00');
           INSERT INTO account VALUES ('a1234567890123456789012345678901', 'u1234567890123456789012345678901', 'credential', 'u1234567890123456789012345678901', NULL, NULL, NULL, NULL, NULL, NULL, '{hash}', now(), now());"#
        ),
    );
    let before = describe_schema(&url);
    let dump = r#"SELECT string_agg(t::text, '|') AS value FROM (SELECT * FROM "user" UNION ALL SELECT NULL,NULL,NULL,NULL,NULL,NULL,NULL) t"#;
    let rows_before = query_text(&url, dump);
    let applied = migrate(&url).await;
    assert_eq!(applied.len(), 2, "both migrations ran: {applied:?}");
    assert_eq!(
        describe_schema(&url),
        before,
        "the Better Auth tables are untouched"
    );
    assert_eq!(query_text(&url, dump), rows_before);
    assert!(migrate(&url).await.is_empty(), "idempotent");

    let app = TestApp::start(test_config(&url)).await;
    let response = app.sign_in("node@example.com", "password123").await;
    assert_eq!(response.status, 200);
}

#[tokio::test]
async fn down_migrations_remove_everything_they_created() {
    let url = empty_database();
    migrate(&url).await;
    let tables = "SELECT count(*)::text AS value FROM pg_tables WHERE schemaname = 'public' AND tablename <> '__diesel_schema_migrations'";
    assert_eq!(query_text(&url, tables).as_deref(), Some("7"));
    for dir in [
        "2026-11-24-000002_task",
        "2026-11-24-000001_better_auth_schema",
    ] {
        let down = std::fs::read_to_string(format!(
            "{}/migrations/postgres/{dir}/down.sql",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        sql(&url, &down);
    }
    assert_eq!(query_text(&url, tables).as_deref(), Some("0"));
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
    let url = format!(
        "{}?sslmode=require",
        fresh_database().replace("127.0.0.1", "localhost")
    );
    let app = TestApp::start(test_config(&url)).await;
    app.sign_up().await;
    assert_eq!(app.get("/ready").await.status, 200);
}
