"""One row per distinct content (the SHA-256 of the original bytes is unique): the same bytes
uploaded twice are one stored file. Callers keep their own rows (a document of an application,
a scan of an authorisation) pointing here, with the name the file had there."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from smecredit.kernel.clock import utcnow
from smecredit.kernel.db import Base, UTCDateTime


class StoredFile(Base):
    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    file_type: Mapped[str] = mapped_column(String(8))  # content.FileType value
    content_type: Mapped[str] = mapped_column(String(100))
    storage: Mapped[str] = mapped_column(String(16))  # the adapter that holds it: "local" or "s3"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    #: The cleaned name of the upload `store.accept` just handled (not stored: one content may
    #: arrive under many names; callers keep the name on their own rows).
    filename = None
