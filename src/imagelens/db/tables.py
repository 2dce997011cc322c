"""The tables. Every row a user can see carries ``tenant_id``; queries always filter on it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database (SQLite hands back naive ones otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        del dialect
        if value is None:
            return None
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        del dialect
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy's documented class attribute
        datetime: UtcDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Monthly analyses; None takes the server-wide default.
    monthly_quota: Mapped[int | None] = mapped_column(Integer)
    # Face recognition for this tenant (and the server's IMAGELENS_FACES__RECOGNITION).
    face_recognition: Mapped[bool] = mapped_column(Boolean, default=False)
    # Faces ever added and removed, counted by triggers (migration 0011): the face index's
    # signature, one read by primary key.
    faces_added: Mapped[int] = mapped_column(default=0)
    faces_removed: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # sha256 of the full key: keys are 256-bit random, so a slow hash adds nothing but latency.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[str] = mapped_column(String(100))  # space-separated: read write admin
    expires_at: Mapped[datetime | None]
    # The request-signing secret, sealed with IMAGELENS_SECRET_KEY (service.signing); None
    # for a key created without signing.
    sealed_secret: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebSession(Base):
    """A browser's sign-in: the web page trades an API key for a random session token kept in
    an HttpOnly cookie. Only the token's sha256 is stored; the session dies with its key."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the token
    key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"), index=True)
    # Sent back by the page in X-CSRF-Token on every state-changing request.
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class Image(Base):
    __tablename__ = "images"
    __table_args__ = (
        Index("ix_images_tenant_hash", "tenant_id", "content_hash"),
        # One image per (tenant, bytes) holds the claim; NULL elsewhere (NULLs never clash).
        Index("ux_images_tenant_dedupe", "tenant_id", "dedupe_hash", unique=True),
        Index("ix_images_tenant_created", "tenant_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    filename: Mapped[str] = mapped_column(String(500))
    content_hash: Mapped[str] = mapped_column(String(64))
    # = content_hash on the tenant's first image of these bytes, the one duplicates point at.
    dedupe_hash: Mapped[str | None] = mapped_column(String(64))
    # Null until the image is decoded (async intake reads only the header).
    perceptual_hash: Mapped[str | None] = mapped_column(String(32))
    storage_key: Mapped[str] = mapped_column(String(200))
    storage_target: Mapped[str | None] = mapped_column(String(16))  # None | "custom"
    format: Mapped[str] = mapped_column(String(16))
    content_type: Mapped[str] = mapped_column(String(64))
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    session_id: Mapped[str | None] = mapped_column(String(36), index=True)
    # a JobStatus value: queued | processing | completed | failed
    status: Mapped[str] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(Text)
    visible_text: Mapped[str | None] = mapped_column(Text)
    # "|tag1|tag2|" so one LIKE finds an exact tag on SQLite and PostgreSQL alike.
    tags_index: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict[str, Any] | None]  # the full AnalysisResult
    error: Mapped[dict[str, Any] | None]  # {type, message, retryable}
    # The face model recognition last ran with on this image (a backfill skips those done).
    faces_model: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Person(Base):
    """A cluster of one tenant's faces. ``face_count`` and ``cover_face_id`` (the most
    confident x largest face on a still picture: page NULL or 1, no frame time) are kept by
    triggers on ``faces`` (migration 0011), which also delete a person whose last face went:
    they hold whichever way faces go, an image's ``ON DELETE CASCADE`` included."""

    __tablename__ = "people"
    __table_args__ = (Index("ix_people_tenant_count", "tenant_id", "face_count", "id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # per_<hex>
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    name: Mapped[str | None] = mapped_column(String(200))
    face_count: Mapped[int] = mapped_column(default=0)
    cover_face_id: Mapped[str | None] = mapped_column(String(40))  # no FK: the triggers keep it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Face(Base):
    """A face found on an image and its dlib descriptor (128 little-endian float32): biometric
    data, never logged, gone with its image (cascade), its person or the tenant's consent."""

    __tablename__ = "faces"
    # created_at last: the index answers the per-query signature (count, max) alone.
    __table_args__ = (Index("ix_faces_tenant_model", "tenant_id", "model", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # fac_<hex>
    tenant_id: Mapped[str] = mapped_column(String(64))
    image_id: Mapped[str] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    x: Mapped[float]
    y: Mapped[float]
    width: Mapped[float]
    height: Mapped[float]
    confidence: Mapped[float]
    page: Mapped[int | None]
    time_s: Mapped[float | None]
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    model: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FaceRemoval(Base):
    """A removed face's id under the tenant's removal number (``faces_removed`` after it),
    written by the triggers of migration 0011, which keep the latest 10,000 per tenant: the
    face index drops the faces removed since its copy without reading every live id."""

    __tablename__ = "face_removals"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    face_id: Mapped[str] = mapped_column(String(40))


class ImageSearch(Base):
    """The text an image is found by, one row per analysed image, written with its result.

    SQLite indexes it with FTS5 (``image_search_fts``, external content, kept in step by
    triggers); PostgreSQL with the ``document`` tsvector column (weighted, in the image's
    language, kept in step by a trigger) and a GIN index. Both made by migration 0010; the
    ORM never reads those, only :mod:`imagelens.db.fulltext` does.
    """

    __tablename__ = "image_search"

    # An INTEGER PRIMARY KEY is SQLite's rowid itself, which FTS5 points at: a table's plain
    # rowid may be renumbered by VACUUM, which would leave the index pointing at other rows.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    image_id: Mapped[str] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"), unique=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    lang: Mapped[str] = mapped_column(String(8), default="en")  # the analysis's language
    filename: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    # Tag names in every language the describer knows, space-separated.
    tags: Mapped[str] = mapped_column(Text, default="")
    visible_text: Mapped[str] = mapped_column(Text, default="")
    # Category and extracted values (and barcodes, names, ... as they come).
    extra: Mapped[str] = mapped_column(Text, default="")


class ImageVector(Base):
    """An image's embedding of one ``kind`` ("text": its analysis text through the text
    embedder; "visual": the tagger's pooled features), as little-endian float16 bytes, with
    the model (name and version) that made it, so a model change can re-embed."""

    __tablename__ = "image_vectors"
    # updated_at too: the index answers the per-query signature (count, max) alone.
    __table_args__ = (Index("ix_image_vectors_tenant_kind", "tenant_id", "kind", "updated_at"),)

    image_id: Mapped[str] = mapped_column(
        ForeignKey("images.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    model: Mapped[str] = mapped_column(String(100))
    dim: Mapped[int]
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TenantBucket(Base):
    """A tenant's own S3-compatible bucket (bring your own bucket); the secret is sealed
    with the server's secret key (imagelens.secretbox)."""

    __tablename__ = "tenant_buckets"

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    bucket: Mapped[str] = mapped_column(String(63))
    region: Mapped[str] = mapped_column(String(64), default="")
    endpoint_url: Mapped[str] = mapped_column(String(500), default="")
    prefix: Mapped[str] = mapped_column(String(200), default="")
    access_key_id: Mapped[str] = mapped_column(String(128))
    sealed_secret: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DirectUpload(Base):
    """A direct upload between its creation and its completion: the client sends the bytes
    to ``store_key`` (in the server's store or the tenant's bucket) or, with local storage,
    to this server's signed part URLs; removed when completed, aborted or swept after
    ``expires_at``."""

    __tablename__ = "direct_uploads"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    filename: Mapped[str] = mapped_column(String(500))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    storage_target: Mapped[str | None] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(16))  # put | multipart
    # Where the parts go: "s3" (presigned, into store_key) or "local" (this server's URLs).
    via: Mapped[str] = mapped_column(String(16))
    part_size: Mapped[int] = mapped_column(BigInteger)
    part_count: Mapped[int]
    store_key: Mapped[str] = mapped_column(String(200))
    multipart_id: Mapped[str | None] = mapped_column(String(1024))  # S3's UploadId
    # The key local part URLs are signed with (HMAC), random per upload.
    token: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # pending | completing | discarding
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status", "status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    job_type: Mapped[str] = mapped_column(String(16))  # image | batch | describe
    # queued | processing | completed | failed (a batch job's state is read off its images)
    status: Mapped[str] = mapped_column(String(16))
    image_id: Mapped[str | None] = mapped_column(String(36), index=True)
    session_id: Mapped[str | None] = mapped_column(String(36), index=True)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[dict[str, Any] | None]
    result: Mapped[dict[str, Any] | None]  # describe jobs: {"content": markdown}
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    # Who runs a `processing` job ("host:pid:nonce") and until when, unless renewed; a job
    # whose lease ran out is taken back by any process's sweeper.
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_expires_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]


class UploadSession(Base):
    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    job_id: Mapped[str] = mapped_column(String(36))
    total: Mapped[int]  # files in the request
    # Files settled at intake: refused (not an image, too large) or skipped as duplicates.
    rejected: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Usage(Base):
    """Analyses counted per tenant and calendar month (UTC)."""

    __tablename__ = "usage"

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # 2026-11
    count: Mapped[int] = mapped_column(default=0)


class CustomSchema(Base):
    """A tenant's JSON Schema for `extracted` (checked against the limits before it is stored)."""

    __tablename__ = "custom_schemas"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    json_schema: Mapped[dict[str, Any]]
    prompt_hint: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Webhook(Base):
    """A tenant's endpoint called when its jobs, sessions and images change (service.webhooks)."""

    __tablename__ = "webhooks"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # "wh_..."
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    url: Mapped[str] = mapped_column(Text)  # normalised by intake.urls, checked at each call
    events: Mapped[list[Any]]
    description: Mapped[str | None] = mapped_column(Text)
    # "whsec_..." sealed with the server's SecretBox: the signing key, shown once.
    secret_sealed: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    """One message to one webhook: the outbox row, written in the transaction of the change
    it tells about, then sent (and retried) by a deliverer holding a lease on it."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # What a deliverer looks for: pending rows by due time.
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        # One message per webhook and event (a job finished twice tells once); NULL for
        # redeliveries and test messages.
        Index("ux_webhook_deliveries_event", "webhook_id", "event_key", unique=True),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # "dlv_..."
    webhook_id: Mapped[str] = mapped_column(
        ForeignKey("webhooks.id", ondelete="CASCADE"), index=True
    )
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    message_id: Mapped[str] = mapped_column(String(40))  # webhook-id: the same on every retry
    event: Mapped[str] = mapped_column(String(32))
    event_key: Mapped[str | None] = mapped_column(String(120))
    subject_id: Mapped[str | None] = mapped_column(String(64))  # the job, session or image
    # The JSON body as sent; NULL until the first attempt renders it from the finished state.
    body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|delivered|failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_expires_at: Mapped[datetime | None]
    last_status: Mapped[int | None]  # the receiver's last HTTP status
    last_error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
