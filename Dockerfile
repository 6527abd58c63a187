# Rabrong application image: one image for the api, the worker and the migrations
# (docker-compose.yml picks the process: `rabrong api`, `rabrong worker`, `rabrong migrate`).

# --- build: install the project and its dependencies into a virtual environment ---
FROM python:3.11-slim AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"

WORKDIR /src
# The project as .dockerignore leaves it; pyproject.toml decides which packages are installed,
# with their package data (the Alembic migrations live in storage/migrations).
COPY . .
RUN pip install --no-cache-dir .

# --- runtime: the virtual environment, the migrations, and an unprivileged user ---
FROM python:3.11-slim

ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

RUN groupadd --system --gid 10001 rabrong \
    && useradd --system --uid 10001 --gid rabrong --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin rabrong

COPY --from=build /opt/venv /opt/venv
WORKDIR /app

# The code (migrations included, as package data of storage/) stays owned by root. /keys is
# where the audit-keys volume is mounted; a fresh volume takes this directory's owner.
RUN mkdir -m 700 /keys && chown rabrong:rabrong /keys
USER rabrong:rabrong

EXPOSE 8000
CMD ["rabrong", "api"]
