"""Where the course's gradebook lives, for nbgrader_config.py and for the tools that grade.

SQLite in the course root (gradebook.db) by default. Set NCLIB_GRADEBOOK_URL to an SQLAlchemy URL to use
another database, for example PostgreSQL when several graders use the formgrader at once:
`postgresql+psycopg://USER:PASSWORD@HOST:5432/DBNAME` (the database must exist; nbgrader creates its tables).
"""
import os
from pathlib import Path
from urllib.parse import unquote

import sqlalchemy

ENV = "NCLIB_GRADEBOOK_URL"
CONNECT_SECONDS = 5


class GradebookUnreachable(RuntimeError):
    """The gradebook's database cannot be reached; the message names it (never its password)."""


def url(root):
    """The gradebook's SQLAlchemy URL: NCLIB_GRADEBOOK_URL if set, else sqlite_url(root)."""
    return os.environ.get(ENV) or sqlite_url(root)


def sqlite_url(root):
    """sqlite:///<root>/gradebook.db, the course's own gradebook."""
    return f"sqlite:///{Path(root).resolve() / 'gradebook.db'}"


def check_reachable(database_url):
    """Connect to the database once; raise GradebookUnreachable naming it if that fails, so that grading
    stops before it starts rather than on the first submission."""
    try:
        parsed = sqlalchemy.engine.make_url(database_url)
    except sqlalchemy.exc.ArgumentError:
        raise GradebookUnreachable(f"the gradebook URL {database_url!r} is not a database URL "
                                   f"(set {ENV} to one, e.g. postgresql+psycopg://user@host/gradebook)") from None
    shown = unquote(parsed.render_as_string(hide_password=True))  # ?host=/run/postgresql, not %2F...
    options = {"connect_timeout": CONNECT_SECONDS} if parsed.get_backend_name() == "postgresql" else {}
    try:
        engine = sqlalchemy.create_engine(parsed, connect_args=options)
    except (ImportError, sqlalchemy.exc.ArgumentError) as error:
        raise GradebookUnreachable(f"cannot use the gradebook at {shown}: {error}") from None
    try:
        with engine.connect():
            pass
    except sqlalchemy.exc.SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise GradebookUnreachable(f"cannot reach the gradebook at {shown}: {reason}") from None
    finally:
        engine.dispose()
