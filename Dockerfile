# imagelens on CPU: one image for the API process (`serve --role api`), the workers
# (`worker`) and the embedded mode (`serve`, the default command).
#
#   docker build -t imagelens .
#   docker compose up            # api + worker + postgres + redis + minio (compose.yaml)
#
# The models ship inside the Python wheels (RapidOCR, the EfficientNet-Lite0 tagger, NudeNet);
# the build loads each once, so a container never downloads anything at run time, and
# exports the tagger's network to ONNX and quantises the small text detector into the image
# (`imagelens prepare`), so no container does that at start-up.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 \
    IMAGELENS_DATA_DIR=/data \
    IMAGELENS_ENGINE__MODEL_CACHE=/opt/imagelens/models

# Tesseract's language models for the scripts PP-OCR does not read (the tesserocr wheel
# carries the engine; these are its models).
RUN apt-get update \
    && apt-get install -y --no-install-recommends tesseract-ocr-eng tesseract-ocr-osd \
       tesseract-ocr-rus tesseract-ocr-ell tesseract-ocr-ara tesseract-ocr-heb tesseract-ocr-hin \
       tesseract-ocr-tha tesseract-ocr-kor tesseract-ocr-jpn tesseract-ocr-chi-sim \
    && rm -rf /var/lib/apt/lists/*

# torch comes from PyTorch's CPU index first, so the pinned 2.13.0 brings no CUDA libraries.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0

WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install . \
    && imagelens prepare \
    && python -c "from imagelens.config import Settings; from imagelens.engine import Engine; Engine(Settings()).warmup()"

RUN useradd --system --uid 10001 --home-dir /data --create-home imagelens
USER 10001
VOLUME /data
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz')"

ENTRYPOINT ["imagelens"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
