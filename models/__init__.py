"""The domain of wuxue: tables and the operations on them. Never imports `telegram`.

Importing this package registers every table on `Base.metadata` (Alembic and the tests rely on it).
"""

from models import base, leases, outbox, prompts, units  # noqa: F401
from models import selfstudy  # noqa: F401
from models import reflections  # noqa: F401
from models import sessions  # noqa: F401
from models import joint  # noqa: F401
from models import youth  # noqa: F401
from models import agenda  # noqa: F401
from models import linkage  # noqa: F401  (after the features it links)
from models import figures, supervise  # noqa: F401
from models.base import Base

__all__ = ["Base"]
