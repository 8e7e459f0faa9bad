# One image for web, worker and beat; docker-compose.yml picks the command.
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY scripts ./scripts
RUN mkdir -p itops/static && npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 ITOPS_VAR_DIR=/var/lib/itops
WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir -e . && useradd --system --home /app itops \
    && mkdir -p /var/lib/itops && chown itops /var/lib/itops
COPY . .
COPY --from=assets /src/itops/static/vendor ./itops/static/vendor
RUN ITOPS_SECRET_KEY=build-only-key-build-only-key-build-only-key-0123456789 \
    python manage.py collectstatic --noinput -v0 && chown -R itops /var/lib/itops
USER itops
EXPOSE 8000
CMD ["python", "-m", "uvicorn", "itops.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers", "--workers", "2"]
