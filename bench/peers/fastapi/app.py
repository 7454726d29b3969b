"""The seed's task backend as its plan describes it, for side-by-side benchmarks only.

FastAPI + SQLModel on asyncpg, PyJWT HS256 with BETTER_AUTH_SECRET (`sub` is the user id), ownership
in every query, run by uvicorn with 2 workers (bench/compare.sh). DATABASE_URL is a
postgresql+asyncpg:// URL; the table is created at start.
"""

import os
from datetime import datetime, timezone
from typing import Optional

import jwt
from fastapi import Depends, FastAPI, Header, HTTPException, Response
from sqlalchemy import Column, JSON, func, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

SECRET = os.environ["BETTER_AUTH_SECRET"]
engine = create_async_engine(os.environ["DATABASE_URL"], pool_size=8, max_overflow=0)
app = FastAPI()


def now() -> datetime:
    return datetime.now(timezone.utc)


class Task(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: str = Field(index=True)
    title: str = Field(max_length=200)
    description: Optional[str] = Field(default=None, max_length=1000)
    completed: bool = False
    priority: str = "medium"
    tags: list = Field(default_factory=list, sa_column=Column(JSON))
    due_date: Optional[datetime] = None
    created_at: datetime = Field(default_factory=now)
    updated_at: datetime = Field(default_factory=now)


class TaskCreate(SQLModel):
    title: str = Field(min_length=1, max_length=200)
    description: Optional[str] = Field(default=None, max_length=1000)
    priority: str = "medium"
    tags: list[str] = []
    due_date: Optional[datetime] = None


@app.on_event("startup")
async def create_tables() -> None:
    # Both uvicorn workers start at once: a transaction-scoped advisory lock keeps their CREATE TABLEs
    # from racing (otherwise one fails on pg_type's unique index and uvicorn stops).
    async with engine.begin() as conn:
        await conn.execute(text("SELECT pg_advisory_xact_lock(20261201)"))
        await conn.run_sync(SQLModel.metadata.create_all)


async def session():
    async with AsyncSession(engine, expire_on_commit=False) as s:
        yield s


def current_user(authorization: str = Header(default="")) -> str:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(401, "Unauthorized")
    try:
        claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"require": ["exp", "sub"]})
    except jwt.PyJWTError:
        raise HTTPException(401, "Unauthorized")
    return claims["sub"]


@app.get("/api/tasks")
async def list_tasks(response: Response, limit: int = 50, offset: int = 0,
                     user: str = Depends(current_user), s: AsyncSession = Depends(session)):
    owned = select(Task).where(Task.user_id == user)
    total = (await s.exec(select(func.count()).select_from(owned.subquery()))).one()
    rows = (await s.exec(owned.order_by(Task.created_at.desc(), Task.id.desc()).limit(limit).offset(offset))).all()
    response.headers["X-Total-Count"] = str(total)
    return rows


@app.get("/api/tasks/{task_id}")
async def get_task(task_id: int, user: str = Depends(current_user), s: AsyncSession = Depends(session)):
    task = (await s.exec(select(Task).where(Task.id == task_id, Task.user_id == user))).first()
    if task is None:
        raise HTTPException(404, "Task not found")
    return task


@app.post("/api/tasks", status_code=201)
async def create_task(body: TaskCreate, user: str = Depends(current_user), s: AsyncSession = Depends(session)):
    task = Task(**body.model_dump(), user_id=user)
    s.add(task)
    await s.commit()
    await s.refresh(task)
    return task


@app.patch("/api/tasks/{task_id}/complete")
async def toggle_task(task_id: int, user: str = Depends(current_user), s: AsyncSession = Depends(session)):
    task = (await s.exec(select(Task).where(Task.id == task_id, Task.user_id == user))).first()
    if task is None:
        raise HTTPException(404, "Task not found")
    task.completed = not task.completed
    task.updated_at = now()
    s.add(task)
    await s.commit()
    await s.refresh(task)
    return task
