// Uses the types generated from openapi/openapi.json; `tsc --noEmit` fails when they drift from
// what a client of the task API relies on.
import type { components, operations, paths } from "./generated/api";

type Task = components["schemas"]["TaskResponse"];
type TaskInput = components["schemas"]["TaskInput"];
type ErrorBody = components["schemas"]["ErrorBody"];

const task: Task = {
  id: 1,
  user_id: "xMbf3brruZJ0wSl1zVwZIbH27yk1V866",
  title: "Buy milk",
  description: null,
  completed: false,
  priority: "medium",
  tags: [],
  due_date: null,
  created_at: "2026-11-24T21:44:44.205Z",
  updated_at: "2026-11-24T21:44:44.205Z",
};

const input: TaskInput = { title: "Buy milk", priority: "high", tags: ["home"] };

// @ts-expect-error: priority is one of low | medium | high.
const badPriority: TaskInput = { title: "x", priority: "urgent" };

// @ts-expect-error: title is required.
const noTitle: TaskInput = { description: "x" };

type ListOk = paths["/api/tasks"]["get"]["responses"][200]["content"]["application/json"];
const page: ListOk = [task];

type ListQuery = NonNullable<operations["list_tasks"]["parameters"]["query"]>;
const query: ListQuery = { status: "pending", sort: "priority", order: "asc", limit: 10 };

type Scoped = paths["/api/{user_id}/tasks/{id}"]["patch"];
const params: Scoped["parameters"]["path"] = { user_id: "u", id: 1 };

type NotFound = paths["/api/tasks/{id}"]["get"]["responses"][404]["content"]["application/json"];
const notFound: NotFound = { message: "Task not found", code: "TASK_NOT_FOUND" };
const error: ErrorBody = notFound;

export { badPriority, error, input, noTitle, page, params, query };
