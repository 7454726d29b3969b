//! Owner-scoped task queries. The owner is part of every statement (`WHERE user_id = $owner`), so
//! another user's task is exactly as missing as one that does not exist: `None`, or 0 rows. What
//! that means over HTTP is the route's decision (`routes::tasks`).

use diesel::dsl::{case_when, not};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::Integer;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::content::{Description, Tags};
use super::input::{TaskDraft, TaskPatch};
use super::list::{ListParams, Order, SortKey, Status, contains_pattern};
use crate::db::models::{NewTask, Task, TaskChanges};
use crate::db::schema::task;
use crate::wire::now;

/// Inserts a task for `owner`. An owner that no longer exists (a JWT outliving its user) fails
/// with a foreign-key violation.
pub async fn create(
    conn: &mut AsyncPgConnection,
    owner: &str,
    draft: &TaskDraft,
) -> QueryResult<Task> {
    let now = now();
    let tags = tags_column(&draft.tags);
    diesel::insert_into(task::table)
        .values(NewTask {
            user_id: owner,
            title: draft.title.as_str(),
            description: draft.description.as_ref().map(Description::as_str),
            completed: draft.completed,
            priority: draft.priority.as_str(),
            tags: &tags,
            due_date: draft.due_date,
            created_at: now,
            updated_at: now,
        })
        .returning(Task::as_returning())
        .get_result(conn)
        .await
}

/// The owner's task `id`: the owner is in the statement, so another user's task matches nothing.
#[diesel::dsl::auto_type(no_type_alias)]
fn owned<'a>(owner: &'a str, id: i64) -> _ {
    task::table.filter(task::user_id.eq(owner).and(task::id.eq(id)))
}

/// One of the owner's tasks.
pub async fn find(conn: &mut AsyncPgConnection, owner: &str, id: i64) -> QueryResult<Option<Task>> {
    let query = owned(owner, id).select(Task::as_select());
    query.first(conn).await.optional()
}

/// The owner's tasks matching the filters, with the paging applied, and the count of all matches.
pub async fn list(
    conn: &mut AsyncPgConnection,
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

fn filtered<'a>(owner: &'a str, params: &'a ListParams) -> task::BoxedQuery<'a, Pg> {
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
        query = query.filter(task::tags.contains(vec![Some(tag.clone())]));
    }
    if let Some(q) = &params.q {
        let pattern = contains_pattern(q);
        query = query.filter(
            task::title
                .ilike(pattern.clone())
                .or(task::description.ilike(pattern)),
        );
    }
    query
}

fn sorted<'a>(query: task::BoxedQuery<'a, Pg>, params: &ListParams) -> task::BoxedQuery<'a, Pg> {
    let rank = case_when(task::priority.eq("high"), 3.into_sql::<Integer>())
        .when(task::priority.eq("medium"), 2.into_sql::<Integer>())
        .otherwise(1.into_sql::<Integer>());
    let query = match (params.sort, params.order) {
        (SortKey::CreatedAt, Order::Asc) => query.order(task::created_at.asc()),
        (SortKey::CreatedAt, Order::Desc) => query.order(task::created_at.desc()),
        (SortKey::UpdatedAt, Order::Asc) => query.order(task::updated_at.asc()),
        (SortKey::UpdatedAt, Order::Desc) => query.order(task::updated_at.desc()),
        (SortKey::Title, Order::Asc) => query.order(task::title.asc()),
        (SortKey::Title, Order::Desc) => query.order(task::title.desc()),
        (SortKey::Priority, Order::Asc) => query.order(rank.asc()),
        (SortKey::Priority, Order::Desc) => query.order(rank.desc()),
        (SortKey::DueDate, Order::Asc) => query.order(task::due_date.asc().nulls_last()),
        (SortKey::DueDate, Order::Desc) => query.order(task::due_date.desc().nulls_last()),
    };
    match params.order {
        Order::Asc => query.then_order_by(task::id.asc()),
        Order::Desc => query.then_order_by(task::id.desc()),
    }
}

/// Applies a patch to one of the owner's tasks, stamping `updated_at`.
pub async fn update(
    conn: &mut AsyncPgConnection,
    owner: &str,
    id: i64,
    patch: TaskPatch,
) -> QueryResult<Option<Task>> {
    diesel::update(owned(owner, id))
        .set(changes(patch))
        .returning(Task::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Sets `completed`, or toggles it in a single statement (`SET completed = NOT completed`), so
/// concurrent toggles serialize on the row lock and none is lost.
pub async fn complete(
    conn: &mut AsyncPgConnection,
    owner: &str,
    id: i64,
    set: Option<bool>,
) -> QueryResult<Option<Task>> {
    let target = owned(owner, id);
    let updated_at = task::updated_at.eq(now());
    let query = match set {
        Some(value) => {
            diesel::update(target)
                .set((task::completed.eq(value), updated_at))
                .returning(Task::as_returning())
                .get_result(conn)
                .await
        }
        None => {
            diesel::update(target)
                .set((task::completed.eq(not(task::completed)), updated_at))
                .returning(Task::as_returning())
                .get_result(conn)
                .await
        }
    };
    query.optional()
}

/// Deletes one of the owner's tasks; the number of rows deleted (0 or 1).
pub async fn delete(conn: &mut AsyncPgConnection, owner: &str, id: i64) -> QueryResult<usize> {
    diesel::delete(owned(owner, id)).execute(conn).await
}

/// The column changes a patch makes.
fn changes(patch: TaskPatch) -> TaskChanges {
    TaskChanges {
        title: patch.title.map(|t| t.as_str().to_owned()),
        description: patch.description.map(|d| d.map(|d| d.as_str().to_owned())),
        completed: patch.completed,
        priority: patch.priority.map(|p| p.as_str().to_owned()),
        tags: patch.tags.map(|t| tags_column(&t)),
        due_date: patch.due_date,
        updated_at: Some(now()),
    }
}

/// The `tags` column: a PostgreSQL `text[]`, whose elements Diesel reads as nullable.
fn tags_column(tags: &Tags) -> Vec<Option<String>> {
    tags.iter().map(|t| Some(t.to_owned())).collect()
}
