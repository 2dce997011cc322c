"""The pipeline: decode, run the analyzers a request needs concurrently, compose one result.

A PDF goes through the same steps with its text read page by page (engine.documents), a video
with its key frames read one by one (engine.videos). OCR boxes on a barcode's bars are
dropped once both analyzers ran. A job's deadline (``options.deadline``)
is checked between stages, pages and frames."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from imagelens.config import Settings
from imagelens.engine.base import (
    Analysis,
    AnalysisOptions,
    Analyzer,
    FaceOutput,
    FoundFace,
    PersonRef,
    ReadsText,
    Signals,
    TagOutput,
    check_deadline,
)
from imagelens.engine.describe import compose_description
from imagelens.engine.describe.tagnames import localized_scores, tag_name, tag_names
from imagelens.engine.kinds.categories import classify, described_as, extract, receipt_of
from imagelens.engine.local.barcodes import drop_covered_text
from imagelens.engine.local.faces import FaceEmbedder
from imagelens.engine.media.documents import read_document
from imagelens.engine.media.videos import VideoRead, read_video
from imagelens.engine.registry import local_analyzers
from imagelens.engine.runtime import ByPriority, lower_thread_priority, run_at_priority
from imagelens.engine.tables import find_tables
from imagelens.errors import AnalysisError, ImageLensError, ModelUnavailable
from imagelens.intake import DecodedImage, decode_image
from imagelens.types import (
    AnalysisResult,
    ContentCategory,
    Face,
    PageSummary,
    Table,
)


@dataclass(frozen=True, slots=True)
class _Outcome:
    name: str
    output: object
    error: ImageLensError | None
    ms: float


class Engine:
    """Runs analyzers on bounded thread pools; one instance serves the whole process.

    The analyzers of a call run at the calling thread's priority: a pool per nice value, so
    a background job's thread (niced) gets niced analyzer threads and a request someone
    waits on gets full-priority ones (see :class:`ByPriority`)."""

    def __init__(self, settings: Settings, analyzers: Sequence[Analyzer] | None = None) -> None:
        self.settings = settings
        self.analyzers: dict[str, Analyzer] = {
            a.name: a
            for a in (analyzers if analyzers is not None else local_analyzers(settings.engine))
        }
        self._pools: ByPriority[ThreadPoolExecutor] = ByPriority(self._new_pool)
        self.face_embedder = FaceEmbedder()  # descriptors load on first use (recognition)

    def _new_pool(self, niceness: int) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(
            max_workers=self.settings.engine.concurrency,
            thread_name_prefix=f"imagelens-analyzer-nice{niceness}",
            initializer=lower_thread_priority,
            initargs=(niceness,),
        )

    def warmup(self, *, background: bool = True, interactive: bool = True) -> float:
        """Load every model now, for work at full priority (``interactive``) and for niced
        background jobs (``background``); return the seconds it took (the cold-start cost).
        A lane left out loads its models on its first job (each lane has its own sessions,
        see :class:`ByPriority`)."""
        start = time.perf_counter()
        lanes = ({0} if interactive else set()) | (
            {self.settings.engine.nice} if background else set()
        )
        for niceness in sorted(lanes):
            run_at_priority(niceness, self._load_all)
        return time.perf_counter() - start

    def _load_all(self) -> None:
        pool = self._pools.get()
        for future in [pool.submit(a.load) for a in self.analyzers.values()]:
            future.result()

    def close(self) -> None:
        # No wait: an analyzer call cannot be cut short, and a stopping process must not
        # wait on one (its job was handed back); the thread ends when the call returns.
        for pool in self._pools.all():
            pool.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    async def analyze_async(
        self, image: DecodedImage | bytes, options: AnalysisOptions | None = None
    ) -> AnalysisResult:
        """:meth:`analyze` off the event loop."""
        return await asyncio.to_thread(self.analyze, image, options)

    def analyze(
        self, image: DecodedImage | bytes, options: AnalysisOptions | None = None
    ) -> AnalysisResult:
        """Analyse one image (blocking). Raises an :class:`ImageLensError` (JobInterrupted
        too, when ``options.deadline`` says the process is stopping), never anything else."""
        return self.analysis(image, options).result

    def visual_features(self, image: DecodedImage) -> np.ndarray:
        """The image's visual embedding alone (one tagger pass), for an image that is not
        analysed: a search-by-image query, or a re-index of a stored original."""
        tagger = self.analyzers.get("tags")
        if tagger is None:
            raise ModelUnavailable("Visual search needs the tagger, and it is not enabled.")
        output = self._run_outputs([tagger], image, None)["tags"]
        if not isinstance(output, TagOutput) or output.features is None:
            raise AnalysisError("The tagger gave no visual features.")
        return output.features

    def find_faces(self, image: DecodedImage) -> list[FoundFace]:
        """The faces of an image that is not analysed (a face search or compare query):
        boxes and aligned chips, for :attr:`face_embedder`."""
        analyzer = self.analyzers.get("faces")
        if analyzer is None:
            raise ModelUnavailable("Face search needs the faces analyzer, and it is not enabled.")
        output = self._run_outputs([analyzer], image, None)["faces"]
        if not isinstance(output, FaceOutput):
            raise AnalysisError("The faces analyzer gave no faces.")
        return output.faces

    def analysis(
        self, image: DecodedImage | bytes, options: AnalysisOptions | None = None
    ) -> Analysis:
        """:meth:`analyze`, with the image's visual embedding as a by-product."""
        options = options or AnalysisOptions()
        deadline = options.deadline
        langs = options.ocr_languages
        check_deadline(deadline, "the analysis")
        started = time.perf_counter()
        timings: dict[str, float] = {}
        if isinstance(image, bytes):
            image = decode_image(image, self.settings.limits)
            timings["intake"] = _ms(started)
        selected = [
            a
            for name, a in self.analyzers.items()
            if options.analyzers is None or name in options.analyzers
        ]
        pages: list[PageSummary] = []
        tables: list[Table] = []
        video: VideoRead | None = None
        if image.video is not None:
            # Colours describe the frame standing for the clip; the rest runs on every frame.
            colors = [a for a in selected if a.name == "colors"]
            shown = Signals.from_outputs(self._run_outputs(colors, image, timings, langs))
            video = read_video(
                image.video,
                image,
                [a for a in selected if a.name != "colors"],
                lambda analyzers, frame: self._run_outputs(analyzers, frame, None, langs),
                deadline=deadline,
            )
            timings.update(video.timings)
            signals = dataclasses.replace(video.merged, colors=shown.colors)
            look = dataclasses.replace(video.shown, colors=shown.colors)
        elif image.document is None:
            signals = Signals.from_outputs(self._run_outputs(selected, image, timings, langs))
            look = signals
        else:
            # Every page's text (its text layer, or OCR), moderation, faces and barcodes; the
            # rest on page 1.
            by_name = {a.name: a for a in selected}
            others = [a for a in selected if a.name not in ("ocr", "barcodes")]
            outputs = self._run_outputs(others, image, timings, langs)
            first = Signals.from_outputs(outputs)
            check_deadline(deadline, f"page 1 of {image.document.page_count}")
            document = read_document(
                image.document,
                image,
                ocr=by_name.get("ocr"),
                moderation=by_name.get("moderation"),
                first_moderation=first.moderation,
                run=lambda analyzers, page: self._run_outputs(analyzers, page, None, langs),
                faces=by_name.get("faces"),
                first_faces=first.faces,
                deadline=deadline,
                barcodes=by_name.get("barcodes"),
            )
            for stage, ms in document.timings.items():
                timings[stage] = round(timings.get(stage, 0.0) + ms, 2)
            signals = dataclasses.replace(
                first,
                ocr=document.ocr,
                moderation=document.moderation,
                faces=document.faces,
                barcodes=document.barcodes,
            )
            look = dataclasses.replace(signals, ocr=document.first_page_ocr)
            pages, tables = document.pages, document.tables
        signals, look = _count_faces(signals), _count_faces(look)
        check_deadline(deadline, "recognising faces")
        people = _recognize(options, signals.faces)
        check_deadline(deadline, "composing the result")
        compose_start = time.perf_counter()
        signals, look = _without_bars(signals), _without_bars(look, one_picture=True)
        if image.document is None and video is None and signals.ocr is not None:
            tables_start = time.perf_counter()
            tables = find_tables(image.image, signals.ocr.regions)
            timings["tables"] = _ms(tables_start)
        receipt = receipt_of(signals, image)  # a few regexes over the text lines
        # What the image looks like shapes the description whatever category was asked for;
        # the category asked for picks the extracted fields and is the one echoed back.
        kind = classify(look, image, receipt)  # rules over signals already computed: cheap
        category = kind if options.category is ContentCategory.AUTO else options.category
        looks = described_as(kind, category)
        if pages and signals.ocr and signals.ocr.regions:
            # A PDF with text is a document, not a photo or a screen (a white page with a few
            # lines can look like a product shot); a drawing stays a drawing, and a category
            # asked for other than general is kept.
            looks = _as_document(looks)
            auto = options.category is ContentCategory.AUTO
            category = _as_document(category) if auto else _document_unless_other(category)
        description = compose_description(
            dataclasses.replace(look, barcodes=signals.barcodes) if video else signals,
            looks,
            options.lang,
            receipt=receipt if looks is ContentCategory.DOCUMENT else None,
            pages=len(pages) or None,
            duration_s=image.metadata.duration_s if video else None,
        )
        extracted = extract(
            category, signals, receipt if category is ContentCategory.DOCUMENT else None, tables
        )
        timings["compose"] = _ms(compose_start)
        timings["total"] = _ms(started)
        result = _result(
            image,
            signals,
            category,
            description,
            extracted,
            options,
            timings,
            {a.name: a.version for a in selected},
        )
        if signals.faces is not None:
            faces = [_face(f, people.get(id(f))) for f in signals.faces.faces]
            result = result.model_copy(update={"faces": faces})
        if video is not None:
            lang = options.lang
            frames = [f.model_copy(update={"tags": tag_names(f.tags, lang)}) for f in video.frames]
            ranges = [
                r.model_copy(update={"name": tag_name(r.name, lang)}) for r in video.tag_ranges
            ]
            result = result.model_copy(update={"frames": frames, "tag_ranges": ranges})
        elif pages:
            result = result.model_copy(update={"pages": pages})
        if tables:
            result = result.model_copy(update={"tables": tables})
        # `look`'s tags are one picture's (the image, page 1, the middle key frame).
        return Analysis(result, look.tags.features if look.tags else None)

    def _run_outputs(
        self,
        analyzers: Sequence[Analyzer],
        image: DecodedImage,
        timings: dict[str, float] | None,
        languages: tuple[str, ...] = (),
    ) -> dict[str, object]:
        """Run ``analyzers`` side by side on ``image`` (the OCR told ``languages``); raise the
        first failure."""
        outcomes = self._run_all(analyzers, image, languages)
        failures = [o.error for o in outcomes if o.error is not None]
        if failures:
            raise failures[0]
        if timings is not None:
            timings.update({o.name: o.ms for o in outcomes})
        return {o.name: o.output for o in outcomes}

    def _run_all(
        self, analyzers: Sequence[Analyzer], image: DecodedImage, languages: tuple[str, ...]
    ) -> list[_Outcome]:
        pool = self._pools.get()
        futures: list[tuple[str, Future[_Outcome]]] = [
            (a.name, pool.submit(_run_one, a, image, languages)) for a in analyzers
        ]
        return [future.result() for _name, future in futures]


def _count_faces(signals: Signals) -> Signals:
    """Moderation's face count from the faces analyzer where it ran (NudeNet's own face boxes
    miss all but large faces)."""
    if signals.faces is None or signals.moderation is None:
        return signals
    count = len(signals.faces.faces)
    return dataclasses.replace(
        signals, moderation=signals.moderation.model_copy(update={"face_count": count})
    )


def _recognize(options: AnalysisOptions, found: FaceOutput | None) -> dict[int, PersonRef]:
    """Who each face is (by the face object's id), where the caller passed a people hook.
    The hook hears of an image without faces too: it replaces what was stored for the image
    and records that recognition ran on it."""
    if options.people is None or found is None:
        return {}
    try:
        refs = list(options.people.recognize(found.faces))
    except ImageLensError:
        raise
    except Exception as exc:  # a hook's bug or its database failing: classified, no crash
        # Not the exception's text: it may quote what was being stored (faces, names).
        raise AnalysisError(
            f"Face recognition failed ({type(exc).__name__}); analyse the image again later.",
            retryable=True,
        ) from exc
    if len(refs) != len(found.faces):
        raise AnalysisError(f"Face recognition answered {len(refs)} of {len(found.faces)} faces.")
    return {id(face): ref for face, ref in zip(found.faces, refs, strict=True) if ref is not None}


def _face(found: FoundFace, ref: PersonRef | None) -> Face:
    return Face(
        bbox=found.bbox,
        confidence=found.confidence,
        person_id=ref.person_id if ref else None,
        person_name=ref.name if ref else None,
        page=found.page,
        time_s=found.time_s,
    )


# What a PDF with text is not, whether asked for (the default, general) or classified so.
_NOT_A_DOCUMENT = frozenset({ContentCategory.GENERAL, ContentCategory.SCREENSHOT})


def _document_unless_other(category: ContentCategory) -> ContentCategory:
    return ContentCategory.DOCUMENT if category in _NOT_A_DOCUMENT else category


def _as_document(kind: ContentCategory) -> ContentCategory:
    return kind if kind in _DRAWN else ContentCategory.DOCUMENT


# What a PDF page with text may be besides a document.
_DRAWN = frozenset(
    {
        ContentCategory.BLUEPRINT,
        ContentCategory.PID,
        ContentCategory.PFD,
        ContentCategory.TECHNICAL_DIAGRAM,
        ContentCategory.MAP,
    }
)


def _without_bars(signals: Signals, *, one_picture: bool = False) -> Signals:
    """``signals`` without the OCR regions on a barcode's bars. ``one_picture``: the image,
    page 1 or the middle key frame, whose regions carry no page (its codes may)."""
    if signals.ocr is None or signals.barcodes is None or not signals.barcodes.codes:
        return signals
    codes = signals.barcodes.codes
    if one_picture:
        codes = [c.model_copy(update={"page": None}) for c in codes if c.page in (None, 1)]
    return dataclasses.replace(signals, ocr=drop_covered_text(signals.ocr, codes))


def _run_one(analyzer: Analyzer, image: DecodedImage, languages: tuple[str, ...]) -> _Outcome:
    start = time.perf_counter()
    try:
        if languages and isinstance(analyzer, ReadsText):
            output = analyzer.read(image, languages=languages)
        else:
            output = analyzer.run(image)
    except ImageLensError as exc:
        return _Outcome(analyzer.name, None, exc, _ms(start))
    except Exception as exc:  # an analyzer bug must become a classified error, not a crash
        error = AnalysisError(f"The {analyzer.name} analyzer failed: {type(exc).__name__}: {exc}")
        return _Outcome(analyzer.name, None, error, _ms(start))
    return _Outcome(analyzer.name, output, None, _ms(start))


def _result(
    image: DecodedImage,
    signals: Signals,
    category: ContentCategory,
    description: str,
    extracted: dict[str, object] | None,
    options: AnalysisOptions,
    timings: dict[str, float],
    versions: dict[str, str],
) -> AnalysisResult:
    tag_scores = [*signals.tags.labels, *signals.tags.concepts] if signals.tags else []
    tag_scores = localized_scores(tag_scores, options.lang)
    tags = list(dict.fromkeys(t.name for t in tag_scores))
    top = signals.tags.labels[0].confidence if signals.tags and signals.tags.labels else None
    return AnalysisResult(
        description=description,
        tags=tags,
        tag_scores=tag_scores,
        visible_text=signals.ocr.visible_text if signals.ocr else None,
        text_regions=signals.ocr.regions if signals.ocr else [],
        metadata=image.metadata,
        exif=image.exif,
        category=category.value,
        extracted=extracted,
        moderation=signals.moderation,
        colors=signals.colors,
        barcodes=signals.barcodes.codes if signals.barcodes else [],
        confidence_score=top,
        backend="local",
        lang=options.lang.value,
        content_hash=image.content_hash,
        perceptual_hash=image.perceptual_hash,
        timings_ms=timings,
        model_versions=versions,
    )


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)
