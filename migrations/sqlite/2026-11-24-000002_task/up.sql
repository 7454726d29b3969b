-- The task API's table. Tags are a JSON array of strings (PostgreSQL: text[]); dates are ISO text
-- with milliseconds, like Better Auth's. AUTOINCREMENT: an id is never reused after a delete.
CREATE TABLE IF NOT EXISTS task (
  id integer PRIMARY KEY AUTOINCREMENT,
  user_id text NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
  title text NOT NULL,
  description text,
  completed integer NOT NULL DEFAULT 0,
  priority text NOT NULL DEFAULT 'medium' CHECK (priority IN ('low', 'medium', 'high')),
  tags text NOT NULL DEFAULT '[]' CHECK (json_valid(tags) AND json_type(tags) = 'array'),
  due_date date,
  created_at date NOT NULL,
  updated_at date NOT NULL
);
CREATE INDEX IF NOT EXISTS task_user_id_created_at_idx ON task (user_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS task_user_id_completed_idx ON task (user_id, completed);
