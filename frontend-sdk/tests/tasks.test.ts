import { describe, expect, it } from "vitest";
import { draftFromTask, draftToBody, dueDay, parseTags } from "@/lib/tasks";

describe("task form conversions", () => {
  it("splits, trims and de-duplicates tags", () => {
    expect(parseTags(" home, errands,,home ,  ")).toEqual(["home", "errands"]);
  });

  it("turns a draft into a request body", () => {
    expect(
      draftToBody({ title: "  Buy milk ", description: " ", priority: "high", dueDate: "2026-12-01", tags: "a, b" }),
    ).toEqual({
      title: "Buy milk",
      description: null,
      priority: "high",
      due_date: "2026-12-01T00:00:00Z",
      tags: ["a", "b"],
    });
  });

  it("round-trips a task through the edit form", () => {
    const task = {
      id: 1,
      user_id: "u",
      title: "T",
      description: "D",
      completed: false,
      priority: "low" as const,
      tags: ["x", "y"],
      due_date: "2026-12-01T00:00:00Z",
      created_at: "",
      updated_at: "",
    };
    expect(draftFromTask(task)).toEqual({
      title: "T",
      description: "D",
      priority: "low",
      dueDate: "2026-12-01",
      tags: "x, y",
    });
    expect(dueDay(null)).toBe("");
  });
});
