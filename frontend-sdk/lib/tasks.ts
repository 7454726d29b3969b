/** Conversions between the task form's fields and the task API's JSON. */
import type { CreateTaskBody, Priority, Task } from "./api-client";

export const PRIORITIES: readonly Priority[] = ["low", "medium", "high"];

/** What the add/edit form holds: plain strings, as the inputs give them. */
export interface TaskDraft {
  title: string;
  description: string;
  priority: Priority;
  dueDate: string; // "YYYY-MM-DD" or ""
  tags: string; // comma-separated
}

export const EMPTY_DRAFT: TaskDraft = { title: "", description: "", priority: "medium", dueDate: "", tags: "" };

export function parseTags(input: string): string[] {
  const seen = new Set<string>();
  for (const raw of input.split(",")) {
    const tag = raw.trim();
    if (tag) seen.add(tag);
  }
  return [...seen];
}

/** The calendar day of a due date, as "YYYY-MM-DD" (the API sends RFC 3339 date-times). */
export function dueDay(dueDate: string | null | undefined): string {
  return dueDate ? dueDate.slice(0, 10) : "";
}

/** A day from `<input type="date">` as the API's due date: midnight UTC that day. */
export function dueDateToApi(day: string): string | null {
  return day ? `${day}T00:00:00Z` : null;
}

export function draftFromTask(task: Task): TaskDraft {
  return {
    title: task.title,
    description: task.description ?? "",
    priority: task.priority,
    dueDate: dueDay(task.due_date),
    tags: task.tags.join(", "),
  };
}

export function draftToBody(draft: TaskDraft): CreateTaskBody {
  return {
    title: draft.title.trim(),
    description: draft.description.trim() || null,
    priority: draft.priority,
    due_date: dueDateToApi(draft.dueDate),
    tags: parseTags(draft.tags),
  };
}

/** "Mon, 30 Nov 2026" for a due day, formatted in UTC so the day never shifts. */
export function formatDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return day;
  return date.toLocaleDateString(undefined, {
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    timeZone: "UTC",
  });
}
