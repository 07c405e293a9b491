# OCR Review Desk: one image for the API, the Celery workers and the Streamlit app.
#   docker build -t ocr-review-desk .
#   docker compose up            (api :8000, worker, redis, streamlit :8501)
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DB_PATH=/data/ocr.db OCR_KEY_FILE=/data/secret.key OCR_CACHE_DIR=/data/models
RUN apt-get update && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-eng libgomp1 \
        libglib2.0-0 libgl1 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
RUN pip install --no-deps .  # the ocr-desk command and the ocr_core/ocr_api/ocr_worker packages
RUN useradd --create-home --uid 10001 ocr && mkdir -p /data && chown ocr /data
USER ocr
VOLUME ["/data"]
EXPOSE 8000 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/ocr-api/health', timeout=4)" || exit 1
CMD ["python", "-m", "ocr_core", "api", "--host", "0.0.0.0", "--port", "8000"]
