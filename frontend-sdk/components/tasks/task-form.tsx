"use client";

import { type FormEvent, useId, useState } from "react";
import { errorMessage, fieldErrors } from "@/lib/auth-errors";
import type { Priority } from "@/lib/api-client";
import { EMPTY_DRAFT, PRIORITIES, type TaskDraft } from "@/lib/tasks";

interface TaskFormProps {
  initial?: TaskDraft;
  submitLabel: string;
  pendingLabel: string;
  /** Resolves to the API error, or null on success. */
  onSubmit: (draft: TaskDraft) => Promise<unknown>;
  onCancel?: () => void;
  /** Clear the inputs after a successful submit (the add form). */
  resetOnSuccess?: boolean;
  className?: string;
}

const FIELD_OF: Record<string, keyof TaskDraft> = {
  title: "title",
  description: "description",
  priority: "priority",
  due_date: "dueDate",
  tags: "tags",
};

export function TaskForm({
  initial = EMPTY_DRAFT,
  submitLabel,
  pendingLabel,
  onSubmit,
  onCancel,
  resetOnSuccess,
  className,
}: TaskFormProps) {
  const id = useId();
  const [draft, setDraft] = useState<TaskDraft>(initial);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Partial<Record<keyof TaskDraft, string>>>({});

  const set = (key: keyof TaskDraft) => (event: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [key]: event.target.value }));

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!draft.title.trim()) {
      setFields({ title: "Give the task a title." });
      return;
    }
    setPending(true);
    setError(null);
    setFields({});
    const apiError = await onSubmit(draft);
    setPending(false);
    if (apiError) {
      const byField: Partial<Record<keyof TaskDraft, string>> = {};
      for (const [field, message] of Object.entries(fieldErrors(apiError))) {
        const key = FIELD_OF[field];
        if (key) byField[key] = message;
      }
      setFields(byField);
      setError(errorMessage(apiError));
    } else if (resetOnSuccess) {
      setDraft(EMPTY_DRAFT);
    }
  }

  const described = (key: keyof TaskDraft) => (fields[key] ? `${id}-${key}-error` : undefined);
  const fieldError = (key: keyof TaskDraft) =>
    fields[key] ? (
      <small id={`${id}-${key}-error`} className="field-error">
        {fields[key]}
      </small>
    ) : null;

  return (
    <form className={`task-form ${className ?? ""}`} onSubmit={submit} noValidate>
      <div className="field grow">
        <label htmlFor={`${id}-title`}>Title</label>
        <input
          id={`${id}-title`}
          value={draft.title}
          onChange={set("title")}
          maxLength={200}
          required
          aria-invalid={!!fields.title}
          aria-describedby={described("title")}
        />
        {fieldError("title")}
      </div>
      <div className="field grow">
        <label htmlFor={`${id}-description`}>
          Description <span className="muted">(optional)</span>
        </label>
        <textarea
          id={`${id}-description`}
          value={draft.description}
          onChange={set("description")}
          rows={2}
          aria-invalid={!!fields.description}
          aria-describedby={described("description")}
        />
        {fieldError("description")}
      </div>
      <div className="row">
        <div className="field">
          <label htmlFor={`${id}-priority`}>Priority</label>
          <select
            id={`${id}-priority`}
            value={draft.priority}
            onChange={(e) => setDraft((d) => ({ ...d, priority: e.target.value as Priority }))}
          >
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {p[0].toUpperCase() + p.slice(1)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-due`}>Due date</label>
          <input
            id={`${id}-due`}
            type="date"
            value={draft.dueDate}
            onChange={set("dueDate")}
            aria-invalid={!!fields.dueDate}
            aria-describedby={described("dueDate")}
          />
          {fieldError("dueDate")}
        </div>
        <div className="field grow">
          <label htmlFor={`${id}-tags`}>
            Tags <span className="muted">(comma-separated)</span>
          </label>
          <input
            id={`${id}-tags`}
            value={draft.tags}
            onChange={set("tags")}
            placeholder="home, errands"
            aria-invalid={!!fields.tags}
            aria-describedby={described("tags")}
          />
          {fieldError("tags")}
        </div>
      </div>
      {error && (
        <p className="alert" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={pending} aria-busy={pending}>
          {pending ? pendingLabel : submitLabel}
        </button>
        {onCancel && (
          <button type="button" className="ghost" onClick={onCancel} disabled={pending}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
