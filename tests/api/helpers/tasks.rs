//! The task API as a user sees it: both route forms, with the user's session token as a bearer.

use reqwest::Method;
use serde_json::Value;

use super::{TestApp, TestResponse, TestUser};

/// The two forms of every task route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `/api/tasks...`
    Plain,
    /// `/api/{user_id}/tasks...`
    Scoped,
}

/// Both forms, for tests that loop over them.
pub const FORMS: [Form; 2] = [Form::Plain, Form::Scoped];

/// The collection path of a form for a user, e.g. `/api/tasks` or `/api/{id}/tasks`.
pub fn tasks_path(form: Form, user_id: &str) -> String {
    match form {
        Form::Plain => "/api/tasks".into(),
        Form::Scoped => format!("/api/{user_id}/tasks"),
    }
}

/// A user's task calls in one form.
#[derive(Clone, Copy)]
pub struct Tasks<'a> {
    pub app: &'a TestApp,
    pub user: &'a TestUser,
    pub form: Form,
}

impl TestApp {
    /// `user`'s task API in `form`.
    pub fn tasks<'a>(&'a self, user: &'a TestUser, form: Form) -> Tasks<'a> {
        Tasks {
            app: self,
            user,
            form,
        }
    }
}

impl Tasks<'_> {
    /// The collection path, plus `suffix`.
    pub fn path(&self, suffix: &str) -> String {
        format!("{}{suffix}", tasks_path(self.form, &self.user.id))
    }

    /// A request to the collection path plus `suffix`, with the user's session token as a bearer.
    pub async fn call(&self, method: Method, suffix: &str, body: Option<&Value>) -> TestResponse {
        let path = self.path(suffix);
        self.app.send(method, &path, &self.user.token, body).await
    }

    /// Creates a task; asserts 201 and returns it.
    pub async fn create(&self, body: Value) -> Value {
        let response = self.call(Method::POST, "", Some(&body)).await;
        assert_eq!(response.status, 201, "{}", response.text);
        response.json()
    }

    /// Lists with a query string; asserts 200 and returns the tasks and `X-Total-Count`.
    pub async fn list(&self, query: &str) -> (Vec<Value>, i64) {
        let response = self.call(Method::GET, &format!("?{query}"), None).await;
        assert_eq!(response.status, 200, "{query}: {}", response.text);
        let total = response
            .header("x-total-count")
            .expect("X-Total-Count")
            .parse()
            .expect("a number");
        let tasks = response.json().as_array().expect("an array").clone();
        (tasks, total)
    }
}

/// The titles of listed tasks, in order.
pub fn titles(tasks: &[Value]) -> Vec<&str> {
    tasks
        .iter()
        .map(|t| t["title"].as_str().expect("a title"))
        .collect()
}
