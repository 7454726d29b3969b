import type { Metadata } from "next";
import { TaskBoard } from "@/components/tasks/task-board";

export const metadata: Metadata = { title: "Your tasks" };

export default function DashboardPage() {
  return (
    <>
      <h1>Your tasks</h1>
      <TaskBoard />
    </>
  );
}
