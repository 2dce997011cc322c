"""Chooses who answers: the local engine, the VLM, or both merged (``backend``)."""

from __future__ import annotations

from imagelens.engine.base import Analysis, AnalysisOptions, Deadline
from imagelens.engine.describe.prompts import answer_locally
from imagelens.engine.pipeline import Engine
from imagelens.engine.vlm.backend import VlmBackend
from imagelens.engine.vlm.merge import merge
from imagelens.errors import HarmfulContent, ImageLensError, InvalidInput, VlmError
from imagelens.intake import DecodedImage
from imagelens.types import AnalysisResult, Backend, ContentCategory, Language


class Analyst:
    """One per process; ``vlm`` is None when no VLM is configured."""

    def __init__(self, engine: Engine, vlm: VlmBackend | None = None) -> None:
        self.engine = engine
        self.vlm = vlm

    @property
    def default_backend(self) -> Backend:
        return Backend.HYBRID if self.vlm is not None else Backend.LOCAL

    def check_backend(self, backend: str | None) -> Backend:
        """The back-end a request gets; InvalidInput if it asks for a VLM that is not there."""
        try:
            chosen = Backend(backend) if backend else self.default_backend
        except ValueError:
            raise InvalidInput(f"backend must be one of {', '.join(Backend)}.") from None
        if chosen is not Backend.LOCAL and self.vlm is None:
            raise InvalidInput(
                f"backend={chosen!r} needs a vision-LLM back-end, and none is configured on "
                "this server (IMAGELENS_VLM__BASE_URL); leave backend out or use 'local'."
            )
        return chosen

    def analyze(self, image: DecodedImage, options: AnalysisOptions) -> AnalysisResult:
        """Analyse with ``options.backend``; raises ImageLensError subclasses only."""
        return self.analysis(image, options).result

    def analysis(self, image: DecodedImage, options: AnalysisOptions) -> Analysis:
        """:meth:`analyze` with the image's visual embedding (from the local tagger, which a
        VLM-only analysis runs for that alone when it is enabled)."""
        if options.backend == "local" or self.vlm is None:
            return self.engine.analysis(image, options)
        if options.backend == "hybrid":
            local = self.engine.analysis(image, options)
            return Analysis(self._with_vlm(self.vlm, image, options, local.result), local.visual)
        result = self._with_vlm(self.vlm, image, options, None)
        visual = None
        if "tags" in self.engine.analyzers:
            try:
                visual = self.engine.visual_features(image)
            except ImageLensError:  # the answer stands; the image is not visually searchable
                visual = None
        return Analysis(result, visual)

    def _with_vlm(
        self,
        vlm: VlmBackend,
        image: DecodedImage,
        options: AnalysisOptions,
        local: AnalysisResult | None,
    ) -> AnalysisResult:
        category = options.category
        if local is not None:
            category = ContentCategory(local.category)
        elif category is ContentCategory.AUTO:
            category = ContentCategory.GENERAL  # the VLM schema needs a category; no local cue
        try:
            answer = vlm.analyze(
                image,
                category=category,
                lang=options.lang,
                prompt=options.prompt,
                custom_schema=options.custom_schema,
                hint=options.custom_hint,
            )
        except VlmError as exc:
            if not vlm.settings.fallback_to_local:
                raise
            fallback = local or self.engine.analyze(image, options)
            return fallback.model_copy(
                update={"vlm_fallback": f"{exc.code}: {exc.message}", "backend": "local"}
            )
        return merge(
            answer,
            image=image,
            local=local,
            category=category,
            lang=options.lang,
            model_version=vlm.version,
        )

    def describe(
        self,
        image: DecodedImage,
        prompt: str,
        lang: Language,
        *,
        deadline: Deadline | None = None,
        ocr_languages: tuple[str, ...] = (),
    ) -> str:
        """The describe-image answer in markdown: the VLM answers ``prompt`` when there is
        one (local moderation guards it), else the local analysis answers what it can of
        the prompt (:mod:`imagelens.engine.describe.prompts`).

        Raises HarmfulContent when moderation flags the image."""
        if self.vlm is not None:
            if self._is_flagged(image):
                raise HarmfulContent("The image was flagged by moderation.")
            return self.vlm.describe_markdown(image, prompt, lang)
        result = self.engine.analyze(
            image,
            AnalysisOptions(
                category=ContentCategory.AUTO,
                lang=lang,
                deadline=deadline,
                ocr_languages=ocr_languages,
            ),
        )
        if result.moderation is not None and result.moderation.flagged:
            raise HarmfulContent("The image was flagged by moderation.")
        return answer_locally(result, prompt, lang)

    def _is_flagged(self, image: DecodedImage) -> bool:
        only = AnalysisOptions(analyzers=frozenset({"moderation"}))
        result = self.engine.analyze(image, only)
        return bool(result.moderation and result.moderation.flagged)
