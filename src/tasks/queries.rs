//! Owner-scoped task queries. The owner is part of every statement (`WHERE user_id = $owner`), so
//! another user's task is exactly as missing as one that does not exist: `None`, or 0 rows. What
//! that means over HTTP is the route's decision (`routes::tasks`).

use diesel::dsl::{case_when, not};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Nullable, Text};
use diesel_async::RunQueryDsl;

use super::content::{Description, Tags};
use super::input::{TaskDraft, TaskPatch};
use super::list::{ListParams, Order, SortKey, Status, contains_pattern};
use crate::db::DbConn;
use crate::db::models::{NewTask, Task, TaskChanges};
use crate::db::schema::task;
use crate::db::sql_types::{At, TagList, Tags as TagsValue};
use crate::db::sqlite::casefold;
use crate::wire::now;

/// Inserts a task for `owner`. An owner that no longer exists (a JWT outliving its user) fails
/// with a foreign-key violation.
pub async fn create(conn: &mut DbConn, owner: &str, draft: &TaskDraft) -> QueryResult<Task> {
    crate::db_write!(conn, c => {
        let now = At(now());
        let tags = TagsValue(tags_column(&draft.tags));
        diesel::insert_into(task::table)
            .values(NewTask {
                user_id: owner,
                title: draft.title.as_str(),
                description: draft.description.as_ref().map(Description::as_str),
                completed: draft.completed,
                priority: draft.priority.as_str(),
                tags,
                due_date: draft.due_date.map(At),
                created_at: now,
                updated_at: now,
            })
            .returning(Task::as_returning())
            .get_results(c)
            .await
            .and_then(crate::db::single)
    })
}

/// The owner's task `id`: the owner is in the statement, so another user's task matches nothing.
#[diesel::dsl::auto_type(no_type_alias)]
fn owned<'a>(owner: &'a str, id: i64) -> _ {
    task::table.filter(task::user_id.eq(owner).and(task::id.eq(id)))
}

/// One of the owner's tasks.
pub async fn find(conn: &mut DbConn, owner: &str, id: i64) -> QueryResult<Option<Task>> {
    crate::db_run!(conn, c => {
        let query = owned(owner, id).select(Task::as_select());
        query.first(c).await.optional()
    })
}

/// The owner's tasks matching the filters, with the paging applied, and the count of all matches.
pub async fn list(
    conn: &mut DbConn,
    owner: &str,
    params: &ListParams,
) -> QueryResult<(Vec<Task>, i64)> {
    match conn {
        DbConn::Pg(c) => pg::list(c, owner, params).await,
        DbConn::Sqlite(c) => sqlite::list(c.conn(), owner, params).await,
    }
}

/// The tag filter and the search, whose SQL differs by backend.
trait Dialect: diesel::backend::Backend + Sized {
    /// Tasks carrying `tag`.
    fn has_tag(tag: &str) -> Box<dyn BoxableExpression<task::table, Self, SqlType = Bool>>;
    /// Tasks whose title or description contains the LIKE `pattern`, case-insensitively.
    fn matches(
        pattern: String,
    ) -> Box<dyn BoxableExpression<task::table, Self, SqlType = Nullable<Bool>>>;
}

impl Dialect for diesel::pg::Pg {
    /// `tags @> ARRAY[tag]`, which the GIN index serves.
    fn has_tag(tag: &str) -> Box<dyn BoxableExpression<task::table, Self, SqlType = Bool>> {
        Box::new(
            diesel::dsl::sql::<Bool>("task.tags @> ")
                .bind::<TagList, _>(TagsValue(vec![Some(tag.to_owned())])),
        )
    }

    /// `ILIKE`, whose escape character is PostgreSQL's default backslash.
    fn matches(
        pattern: String,
    ) -> Box<dyn BoxableExpression<task::table, Self, SqlType = Nullable<Bool>>> {
        Box::new(
            task::title
                .ilike(pattern.clone())
                .nullable()
                .or(task::description.ilike(pattern)),
        )
    }
}

impl Dialect for diesel::sqlite::Sqlite {
    /// The JSON array holds the tag.
    fn has_tag(tag: &str) -> Box<dyn BoxableExpression<task::table, Self, SqlType = Bool>> {
        Box::new(
            diesel::dsl::sql::<Bool>(
                "EXISTS (SELECT 1 FROM json_each(task.tags) WHERE json_each.value = ",
            )
            .bind::<Text, _>(tag.to_owned())
            .sql(")"),
        )
    }

    /// SQLite's LIKE folds ASCII only and has no default escape: both sides go through the
    /// connection's Unicode `casefold`, and the backslash is named.
    fn matches(
        pattern: String,
    ) -> Box<dyn BoxableExpression<task::table, Self, SqlType = Nullable<Bool>>> {
        let pattern = casefold(Some(pattern));
        Box::new(
            casefold(task::title.nullable())
                .like(pattern.clone())
                .escape('\\')
                .or(casefold(task::description).like(pattern).escape('\\')),
        )
    }
}

/// The list query for one backend: filters, order (with the id as the stable tiebreak) and page.
macro_rules! list_on {
    ($module:ident, $backend:ty, $conn:ty) => {
        mod $module {
            use super::*;

            pub(super) async fn list(
                conn: &mut $conn,
                owner: &str,
                params: &ListParams,
            ) -> QueryResult<(Vec<Task>, i64)> {
                let total: i64 = filtered(owner, params).count().get_result(conn).await?;
                let tasks = sorted(filtered(owner, params), params)
                    .limit(params.limit)
                    .offset(params.offset)
                    .select(Task::as_select())
                    .load(conn)
                    .await?;
                Ok((tasks, total))
            }

            fn filtered<'a>(
                owner: &'a str,
                params: &'a ListParams,
            ) -> task::BoxedQuery<'a, $backend> {
                let mut query = task::table.filter(task::user_id.eq(owner)).into_boxed();
                match params.status {
                    Status::All => {}
                    Status::Pending => query = query.filter(task::completed.eq(false)),
                    Status::Completed => query = query.filter(task::completed.eq(true)),
                }
                if let Some(priority) = params.priority {
                    query = query.filter(task::priority.eq(priority.as_str()));
                }
                if let Some(tag) = &params.tag {
                    query = query.filter(<$backend as Dialect>::has_tag(tag));
                }
                if let Some(q) = &params.q {
                    query = query.filter(<$backend as Dialect>::matches(contains_pattern(q)));
                }
                query
            }

            fn sorted<'a>(
                query: task::BoxedQuery<'a, $backend>,
                params: &ListParams,
            ) -> task::BoxedQuery<'a, $backend> {
                let rank = case_when(task::priority.eq("high"), 3.into_sql::<Integer>())
                    .when(task::priority.eq("medium"), 2.into_sql::<Integer>())
                    .otherwise(1.into_sql::<Integer>());
                // Tasks without a due date last in both directions: `NULLS LAST`, portably.
                let undated = task::due_date.is_null();
                let query = match (params.sort, params.order) {
                    (SortKey::CreatedAt, Order::Asc) => query.order(task::created_at.asc()),
                    (SortKey::CreatedAt, Order::Desc) => query.order(task::created_at.desc()),
                    (SortKey::UpdatedAt, Order::Asc) => query.order(task::updated_at.asc()),
                    (SortKey::UpdatedAt, Order::Desc) => query.order(task::updated_at.desc()),
                    (SortKey::Title, Order::Asc) => query.order(task::title.asc()),
                    (SortKey::Title, Order::Desc) => query.order(task::title.desc()),
                    (SortKey::Priority, Order::Asc) => query.order(rank.asc()),
                    (SortKey::Priority, Order::Desc) => query.order(rank.desc()),
                    (SortKey::DueDate, Order::Asc) => {
                        query.order((undated.asc(), task::due_date.asc()))
                    }
                    (SortKey::DueDate, Order::Desc) => {
                        query.order((undated.asc(), task::due_date.desc()))
                    }
                };
                match params.order {
                    Order::Asc => query.then_order_by(task::id.asc()),
                    Order::Desc => query.then_order_by(task::id.desc()),
                }
            }
        }
    };
}

list_on!(pg, diesel::pg::Pg, diesel_async::AsyncPgConnection);
list_on!(sqlite, diesel::sqlite::Sqlite, crate::db::SqliteConn);

/// Applies a patch to one of the owner's tasks, stamping `updated_at`.
pub async fn update(
    conn: &mut DbConn,
    owner: &str,
    id: i64,
    patch: TaskPatch,
) -> QueryResult<Option<Task>> {
    crate::db_write!(conn, c => {
        diesel::update(owned(owner, id))
            .set(changes(patch))
            .returning(Task::as_returning())
            .get_results(c)
            .await
            .and_then(crate::db::single)
            .optional()
    })
}

/// Sets `completed`, or toggles it in a single statement (`SET completed = NOT completed`), so
/// concurrent toggles serialize on the row lock and none is lost.
pub async fn complete(
    conn: &mut DbConn,
    owner: &str,
    id: i64,
    set: Option<bool>,
) -> QueryResult<Option<Task>> {
    crate::db_write!(conn, c => {
        let target = owned(owner, id);
        let updated_at = task::updated_at.eq(At(now()));
        let query = match set {
            Some(value) => {
                diesel::update(target)
                    .set((task::completed.eq(value), updated_at))
                    .returning(Task::as_returning())
                    .get_results(c)
                    .await
                    .and_then(crate::db::single)
            }
            None => {
                diesel::update(target)
                    .set((task::completed.eq(not(task::completed)), updated_at))
                    .returning(Task::as_returning())
                    .get_results(c)
                    .await
                    .and_then(crate::db::single)
            }
        };
        query.optional()
    })
}

/// Deletes one of the owner's tasks; the number of rows deleted (0 or 1).
pub async fn delete(conn: &mut DbConn, owner: &str, id: i64) -> QueryResult<usize> {
    crate::db_write!(conn, c => {
        diesel::delete(owned(owner, id)).execute(c).await
    })
}

/// The column changes a patch makes.
fn changes(patch: TaskPatch) -> TaskChanges {
    TaskChanges {
        title: patch.title.map(|t| t.as_str().to_owned()),
        description: patch.description.map(|d| d.map(|d| d.as_str().to_owned())),
        completed: patch.completed,
        priority: patch.priority.map(|p| p.as_str().to_owned()),
        tags: patch.tags.map(|t| TagsValue(tags_column(&t))),
        due_date: patch.due_date.map(|d| d.map(At)),
        updated_at: Some(At(now())),
    }
}

/// The `tags` column: a PostgreSQL `text[]`, whose elements Diesel reads as nullable (a JSON array
/// on SQLite).
fn tags_column(tags: &Tags) -> Vec<Option<String>> {
    tags.iter().map(|t| Some(t.to_owned())).collect()
}
