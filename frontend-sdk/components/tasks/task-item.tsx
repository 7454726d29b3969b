"use client";

import { useState } from "react";
import type { Task } from "@/lib/api-client";
import { errorMessage } from "@/lib/auth-errors";
import { draftFromTask, dueDay, formatDay, type TaskDraft } from "@/lib/tasks";
import { TaskForm } from "./task-form";

interface TaskItemProps {
  task: Task;
  /** Each resolves to the API error, or null on success. */
  onToggle: (task: Task) => Promise<unknown>;
  onSave: (task: Task, draft: TaskDraft) => Promise<unknown>;
  onDelete: (task: Task) => Promise<unknown>;
}

export function TaskItem({ task, onToggle, onSave, onDelete }: TaskItemProps) {
  const [editing, setEditing] = useState(false);
  const [busy, setBusy] = useState<"toggle" | "delete" | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function run(kind: "toggle" | "delete", action: () => Promise<unknown>) {
    setBusy(kind);
    setError(null);
    const apiError = await action();
    setBusy(null);
    if (apiError) setError(errorMessage(apiError));
  }

  if (editing) {
    return (
      <li className="task editing">
        <TaskForm
          initial={draftFromTask(task)}
          submitLabel="Save"
          pendingLabel="Saving…"
          onCancel={() => setEditing(false)}
          onSubmit={async (draft) => {
            const apiError = await onSave(task, draft);
            if (!apiError) setEditing(false);
            return apiError;
          }}
        />
      </li>
    );
  }

  const day = dueDay(task.due_date);
  return (
    <li className={`task${task.completed ? " done" : ""}`} aria-busy={busy !== null}>
      <input
        type="checkbox"
        className="toggle"
        checked={task.completed}
        disabled={busy !== null}
        onChange={() => run("toggle", () => onToggle(task))}
        aria-label={`Mark “${task.title}” as ${task.completed ? "not done" : "done"}`}
      />
      <div className="task-body">
        <p className="task-title">{task.title}</p>
        {task.description && <p className="task-description">{task.description}</p>}
        <p className="meta">
          <span className={`badge priority-${task.priority}`}>{task.priority}</span>
          {day && (
            <span>
              Due <time dateTime={day}>{formatDay(day)}</time>
            </span>
          )}
          {task.tags.map((tag) => (
            <span key={tag} className="tag">
              #{tag}
            </span>
          ))}
        </p>
        {error && (
          <p className="alert" role="alert">
            {error}
          </p>
        )}
      </div>
      <div className="task-actions">
        <button
          type="button"
          className="ghost"
          onClick={() => setEditing(true)}
          disabled={busy !== null}
          aria-label={`Edit “${task.title}”`}
        >
          Edit
        </button>
        <button
          type="button"
          className="ghost danger"
          onClick={() => run("delete", () => onDelete(task))}
          disabled={busy !== null}
          aria-label={`Delete “${task.title}”`}
        >
          {busy === "delete" ? "Deleting…" : "Delete"}
        </button>
      </div>
    </li>
  );
}
