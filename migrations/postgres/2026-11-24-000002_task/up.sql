-- The task API's table. A `task` table created by the seed's SQLModel backend
-- (id serial, title/description/user_id varchar, completed, created_at/updated_at without time zone)
-- is adopted in place: columns are widened and added, and no row is lost.
DO $$
BEGIN
  IF to_regclass('public.task') IS NULL THEN
    CREATE TABLE task (
      id bigserial PRIMARY KEY,
      user_id text NOT NULL,
      title text NOT NULL,
      description text,
      completed boolean NOT NULL DEFAULT false,
      priority text NOT NULL DEFAULT 'medium',
      tags text[] NOT NULL DEFAULT '{}',
      due_date timestamptz,
      created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
      updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP
    );
  ELSE
    ALTER TABLE task ALTER COLUMN id TYPE bigint;
    IF pg_get_serial_sequence('task', 'id') IS NOT NULL THEN
      EXECUTE format('ALTER SEQUENCE %s AS bigint', pg_get_serial_sequence('task', 'id'));
    END IF;
    ALTER TABLE task ALTER COLUMN user_id TYPE text, ALTER COLUMN user_id SET NOT NULL;
    ALTER TABLE task ALTER COLUMN title TYPE text, ALTER COLUMN title SET NOT NULL;
    ALTER TABLE task ALTER COLUMN description TYPE text;
    ALTER TABLE task ADD COLUMN IF NOT EXISTS completed boolean NOT NULL DEFAULT false;
    ALTER TABLE task ALTER COLUMN completed SET DEFAULT false;
    UPDATE task SET completed = false WHERE completed IS NULL;
    ALTER TABLE task ALTER COLUMN completed SET NOT NULL;
    ALTER TABLE task ADD COLUMN IF NOT EXISTS priority text NOT NULL DEFAULT 'medium';
    ALTER TABLE task ADD COLUMN IF NOT EXISTS tags text[] NOT NULL DEFAULT '{}';
    ALTER TABLE task ADD COLUMN IF NOT EXISTS due_date timestamptz;
    ALTER TABLE task ADD COLUMN IF NOT EXISTS created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP;
    ALTER TABLE task ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP;
    -- SQLModel writes naive UTC timestamps.
    IF (SELECT data_type FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = 'task' AND column_name = 'created_at') = 'timestamp without time zone' THEN
      ALTER TABLE task ALTER COLUMN created_at TYPE timestamptz USING created_at AT TIME ZONE 'UTC';
    END IF;
    IF (SELECT data_type FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = 'task' AND column_name = 'updated_at') = 'timestamp without time zone' THEN
      ALTER TABLE task ALTER COLUMN updated_at TYPE timestamptz USING updated_at AT TIME ZONE 'UTC';
    END IF;
    ALTER TABLE task ALTER COLUMN created_at SET DEFAULT CURRENT_TIMESTAMP, ALTER COLUMN created_at SET NOT NULL;
    ALTER TABLE task ALTER COLUMN updated_at SET DEFAULT CURRENT_TIMESTAMP, ALTER COLUMN updated_at SET NOT NULL;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'task_priority_check') THEN
    ALTER TABLE task ADD CONSTRAINT task_priority_check CHECK (priority IN ('low', 'medium', 'high'));
  END IF;
  -- NOT VALID: adopted rows whose user is gone are kept; every new or updated row is checked.
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'task_user_id_fkey') THEN
    ALTER TABLE task ADD CONSTRAINT task_user_id_fkey
      FOREIGN KEY (user_id) REFERENCES "user" (id) ON DELETE CASCADE NOT VALID;
  END IF;
END $$;

CREATE INDEX IF NOT EXISTS task_user_id_created_at_idx ON task (user_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS task_user_id_completed_idx ON task (user_id, completed);
CREATE INDEX IF NOT EXISTS task_tags_idx ON task USING gin (tags);
