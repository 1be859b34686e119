# LiftLedger: one image for every part of a deployment — the HTTP API and web pages, the Kafka ingest workers, the
# projection runner, the checkpointer and one-shot commands (init, migrate, verify). docker-compose.yml wires them
# to PostgreSQL and a Kafka-compatible broker; docs/OPERATIONS.md explains it.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY ledger ledger
COPY projections projections
COPY producers producers
COPY api api
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 liftledger && mkdir -p /keys && chown liftledger /keys
COPY --from=build /install /usr/local
USER liftledger
WORKDIR /home/liftledger
ENV LIFTLEDGER_LOG_FORMAT=json \
    PYTHONUNBUFFERED=1
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=6 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
ENTRYPOINT ["liftledger"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
