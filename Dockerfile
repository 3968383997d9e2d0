# The image deploy/ runs (node DaemonSet, cluster Job and CronJob):
#   docker build -t ghcr.io/piqc/modelspec:0.1.0 .
# Multi-stage: build a virtual environment with the [scan] extra (NVML, psutil, kubernetes,
# httpx), then copy only that into a slim runtime that runs as a non-root user (uid 65532,
# as the manifests' securityContext expects). Linted by tests/test_dockerfile.py (hadolint).

FROM python:3.12-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
RUN python -m venv /opt/modelspec \
    && /opt/modelspec/bin/pip install --no-cache-dir ".[scan]"

FROM python:3.12-slim-bookworm
LABEL org.opencontainers.image.title="modelspec" \
      org.opencontainers.image.description="ModelSpec validator, resolver and drift scanner" \
      org.opencontainers.image.source="https://github.com/piqc/modelspec" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /opt/modelspec /opt/modelspec
ENV PATH=/opt/modelspec/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
USER 65532:65532
WORKDIR /tmp
ENTRYPOINT ["modelspec"]
CMD ["--help"]
