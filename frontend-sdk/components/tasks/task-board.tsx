"use client";

import { useEffect, useState } from "react";
import { api, type Priority, type Task, type TaskListQuery } from "@/lib/api-client";
import { errorMessage } from "@/lib/auth-errors";
import { draftToBody, PRIORITIES, type TaskDraft } from "@/lib/tasks";
import { TaskForm } from "./task-form";
import { TaskItem } from "./task-item";

const PAGE_SIZE = 50;

type Status = NonNullable<TaskListQuery["status"]>;
type Sort = NonNullable<TaskListQuery["sort"]>;
type Order = NonNullable<TaskListQuery["order"]>;

interface Filters {
  status: Status;
  priority: Priority | "";
  q: string;
  sort: Sort;
  order: Order;
}

const SORTS: { value: Sort; label: string }[] = [
  { value: "created_at", label: "Created" },
  { value: "updated_at", label: "Updated" },
  { value: "title", label: "Title" },
  { value: "priority", label: "Priority" },
  { value: "due_date", label: "Due date" },
];

/** The task list with its add form, filters, search and sort. */
export function TaskBoard() {
  const [filters, setFilters] = useState<Filters>({
    status: "all",
    priority: "",
    q: "",
    sort: "created_at",
    order: "desc",
  });
  const [query, setQuery] = useState(filters); // `filters`, with typing in the search box debounced
  const [page, setPage] = useState(0);
  const [reloads, setReloads] = useState(0);
  const [tasks, setTasks] = useState<Task[]>([]);
  const [total, setTotal] = useState(0);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const timer = setTimeout(() => setQuery(filters), filters.q === query.q ? 0 : 300);
    return () => clearTimeout(timer);
  }, [filters, query.q]);

  useEffect(() => {
    let cancelled = false;
    setLoading(true);
    const { status, priority, q, sort, order } = query;
    api
      .GET("/api/tasks", {
        params: {
          query: {
            status,
            sort,
            order,
            limit: PAGE_SIZE,
            offset: page * PAGE_SIZE,
            ...(priority ? { priority } : {}),
            ...(q.trim() ? { q: q.trim() } : {}),
          },
        },
      })
      .then((result) => {
        if (cancelled) return;
        if (result.data) {
          setTasks(result.data);
          setTotal(Number(result.response.headers.get("x-total-count") ?? result.data.length));
          setError(null);
        } else {
          const failure: unknown = result.error;
          setError(errorMessage(failure ?? { status: result.response.status }));
        }
      })
      .catch((e: unknown) => !cancelled && setError(errorMessage(e)))
      .finally(() => !cancelled && setLoading(false));
    return () => {
      cancelled = true;
    };
  }, [query, page, reloads]);

  const reload = () => setReloads((n) => n + 1);
  const update = (patch: Partial<Filters>) => {
    setPage(0);
    setFilters((f) => ({ ...f, ...patch }));
  };
  /** Runs a mutation; on success reloads the list, and resolves to the error (or null). */
  const mutate = async (call: Promise<{ error?: unknown; response: Response }>) => {
    try {
      const { error, response } = await call;
      if (!response.ok) return error ?? { status: response.status };
      reload();
      return null;
    } catch (e) {
      return e;
    }
  };

  const create = (draft: TaskDraft) => mutate(api.POST("/api/tasks", { body: draftToBody(draft) }));
  const toggle = (task: Task) => mutate(api.PATCH("/api/tasks/{id}/complete", { params: { path: { id: task.id } } }));
  const save = (task: Task, draft: TaskDraft) =>
    mutate(api.PATCH("/api/tasks/{id}", { params: { path: { id: task.id } }, body: draftToBody(draft) }));
  const remove = (task: Task) => mutate(api.DELETE("/api/tasks/{id}", { params: { path: { id: task.id } } }));

  const filtered = filters.status !== "all" || filters.priority !== "" || filters.q.trim() !== "";
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));

  return (
    <div className="board">
      <section className="card" aria-labelledby="add-task-heading">
        <h2 id="add-task-heading">Add a task</h2>
        <TaskForm submitLabel="Add task" pendingLabel="Adding…" onSubmit={create} resetOnSuccess />
      </section>

      <section className="card" aria-labelledby="list-heading">
        <div className="list-header">
          <h2 id="list-heading">Tasks</h2>
          <p className="muted" role="status" aria-live="polite">
            {loading ? "Loading…" : `${total} ${total === 1 ? "task" : "tasks"}${filtered ? " match" : ""}`}
          </p>
        </div>

        <div className="toolbar" role="search" aria-label="Filter tasks">
          <div className="field grow">
            <label htmlFor="filter-q">Search</label>
            <input
              id="filter-q"
              type="search"
              value={filters.q}
              onChange={(e) => update({ q: e.target.value })}
              placeholder="Title or description"
            />
          </div>
          <div className="field">
            <label htmlFor="filter-status">Status</label>
            <select
              id="filter-status"
              value={filters.status}
              onChange={(e) => update({ status: e.target.value as Status })}
            >
              <option value="all">All</option>
              <option value="pending">Pending</option>
              <option value="completed">Completed</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="filter-priority">Priority</label>
            <select
              id="filter-priority"
              value={filters.priority}
              onChange={(e) => update({ priority: e.target.value as Priority | "" })}
            >
              <option value="">Any</option>
              {PRIORITIES.map((p) => (
                <option key={p} value={p}>
                  {p[0].toUpperCase() + p.slice(1)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="filter-sort">Sort by</label>
            <select id="filter-sort" value={filters.sort} onChange={(e) => update({ sort: e.target.value as Sort })}>
              {SORTS.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="filter-order">Order</label>
            <select
              id="filter-order"
              value={filters.order}
              onChange={(e) => update({ order: e.target.value as Order })}
            >
              <option value="desc">Descending</option>
              <option value="asc">Ascending</option>
            </select>
          </div>
        </div>

        {error && (
          <p className="alert" role="alert">
            {error}
          </p>
        )}

        {!loading && !error && tasks.length === 0 ? (
          <p className="empty">
            {filtered ? "No tasks match these filters." : "No tasks yet. Add your first one above."}
          </p>
        ) : (
          <ul className="tasks" aria-label="Task list" aria-busy={loading}>
            {tasks.map((task) => (
              <TaskItem key={task.id} task={task} onToggle={toggle} onSave={save} onDelete={remove} />
            ))}
          </ul>
        )}

        {pages > 1 && (
          <nav className="pager" aria-label="Pages">
            <button type="button" className="ghost" onClick={() => setPage((p) => p - 1)} disabled={page === 0}>
              Previous
            </button>
            <span className="muted">
              Page {page + 1} of {pages}
            </span>
            <button type="button" className="ghost" onClick={() => setPage((p) => p + 1)} disabled={page + 1 >= pages}>
              Next
            </button>
          </nav>
        )}
      </section>
    </div>
  );
}
