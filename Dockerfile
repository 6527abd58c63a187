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
# The project as .dockerignore leaves it: pyproject.toml, README.md, the packages domain,
# storage, activities, workflows, api and rabrong, and the Alembic files. pyproject.toml decides
# which packages are installed (and their package data, such as migrations kept in a package).
COPY . .
RUN pip install --no-cache-dir .

# Alembic files kept outside the packages (alembic.ini, migrations/ at the top) go beside the
# process: /app is its working directory.
RUN mkdir -p /out \
    && for p in alembic.ini migrations; do \
         if [ -e "$p" ]; then cp -a "$p" /out/; fi; \
       done

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
COPY --from=build /out/ /app/

# Code and migrations stay owned by root, read-only to the process.
USER rabrong:rabrong

EXPOSE 8000
CMD ["rabrong", "api"]
