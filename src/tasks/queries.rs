//! Owner-scoped task queries. The owner is part of every statement (`WHERE user_id = $owner`), so
//! another user's task is exactly as missing as one that does not exist.

use diesel::dsl::{case_when, not};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::Integer;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::input::TaskDraft;
use super::list::{ListParams, Order, SortKey, Status, contains_pattern};
use crate::db::models::{NewTask, Task, TaskChanges};
use crate::db::schema::task;
use crate::error::{ApiError, ErrorCode};
use crate::wire::now;

fn not_found() -> ApiError {
    ApiError::NotFound(ErrorCode::TaskNotFound)
}

/// Inserts a task for `owner`. An owner that no longer exists (a JWT outliving its user) is a 401.
pub async fn create(
    conn: &mut AsyncPgConnection,
    owner: &str,
    draft: &TaskDraft,
) -> Result<Task, ApiError> {
    let now = now();
    let tags: Vec<Option<String>> = draft.tags.iter().cloned().map(Some).collect();
    diesel::insert_into(task::table)
        .values(NewTask {
            user_id: owner,
            title: &draft.title,
            description: draft.description.as_deref(),
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
        .map_err(|e| match e {
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                ApiError::Unauthorized(ErrorCode::Unauthorized)
            }
            other => other.into(),
        })
}

/// One of the owner's tasks.
pub async fn find(conn: &mut AsyncPgConnection, owner: &str, id: i64) -> Result<Task, ApiError> {
    task::table
        .filter(task::user_id.eq(owner).and(task::id.eq(id)))
        .select(Task::as_select())
        .first(conn)
        .await
        .optional()?
        .ok_or_else(not_found)
}

/// The owner's tasks matching the filters, with the paging applied, and the count of all matches.
pub async fn list(
    conn: &mut AsyncPgConnection,
    owner: &str,
    params: &ListParams,
) -> Result<(Vec<Task>, i64), ApiError> {
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

/// Applies changes to one of the owner's tasks.
pub async fn update(
    conn: &mut AsyncPgConnection,
    owner: &str,
    id: i64,
    changes: &TaskChanges,
) -> Result<Task, ApiError> {
    diesel::update(task::table.filter(task::user_id.eq(owner).and(task::id.eq(id))))
        .set(changes)
        .returning(Task::as_returning())
        .get_result(conn)
        .await
        .optional()?
        .ok_or_else(not_found)
}

/// Sets `completed`, or toggles it in a single statement (`SET completed = NOT completed`), so
/// concurrent toggles serialize on the row lock and none is lost.
pub async fn complete(
    conn: &mut AsyncPgConnection,
    owner: &str,
    id: i64,
    set: Option<bool>,
) -> Result<Task, ApiError> {
    let target = task::table.filter(task::user_id.eq(owner).and(task::id.eq(id)));
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
    query.optional()?.ok_or_else(not_found)
}

/// Deletes one of the owner's tasks.
pub async fn delete(conn: &mut AsyncPgConnection, owner: &str, id: i64) -> Result<(), ApiError> {
    let deleted = diesel::delete(task::table.filter(task::user_id.eq(owner).and(task::id.eq(id))))
        .execute(conn)
        .await?;
    if deleted == 0 {
        return Err(not_found());
    }
    Ok(())
}
